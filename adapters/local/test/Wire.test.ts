/**
 * Parsing what the engines print: espeak-ng's voice tables and pocketsphinx's decoder lines.
 */
import { describe, expect, it } from "vitest"
import { Wire } from "../src/index.ts"

const voices = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  af              --/M      Afrikaans          gmw/af               
 5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  chr-US-Qaaa-x-west --/M      Cherokee_          iro/chr              
`

describe("espeak-ng --voices", () => {
  it("reads every voice: its id, name, ISO 639-1 language, file and other languages", () => {
    expect(Wire.parseVoices(voices)).toEqual([
      { id: "af", name: "Afrikaans", language: "af", gender: "male", file: "gmw/af", other_languages: [] },
      {
        id: "cmn",
        name: "Chinese (Mandarin, latin as English)",
        language: null,
        gender: "male",
        file: "sit/cmn",
        other_languages: [{ tag: "zh-cmn", priority: 5 }, { tag: "zh", priority: 5 }]
      },
      { id: "en-us", name: "English (America)", language: "en", gender: "male", file: "gmw/en-US", other_languages: [{ tag: "en", priority: 3 }] },
      { id: "chr-US-Qaaa-x-west", name: "Cherokee", language: null, gender: "male", file: "iro/chr", other_languages: [] }
    ])
  })

  it("reads variants by the file name after !v/", () => {
    const table = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  variant         --/M      Alex               !v/Alex              
 5  variant         --/F      f2                 !v/f2                
`
    expect(Wire.parseVariants(table)).toEqual([
      { id: "Alex", name: "Alex", gender: "male" },
      { id: "f2", name: "f2", gender: "female" }
    ])
  })
})

describe("pocketsphinx_continuous -time yes", () => {
  it("tells hypotheses from segments, keeping pronunciation markers and fillers as printed", () => {
    expect(Wire.parseDecoderLine("please call me tomorrow morning")).toEqual({ type: "hypothesis", text: "please call me tomorrow morning" })
    expect(Wire.parseDecoderLine("tomorrow(2) 0.820 1.260 0.486906")).toEqual({
      type: "segment",
      segment: { word: "tomorrow(2)", start: 0.82, end: 1.26, prob: 0.486906 }
    })
    expect(Wire.parseDecoderLine("<sil> 1.740 2.090 1.000000")).toEqual({ type: "segment", segment: { word: "<sil>", start: 1.74, end: 2.09, prob: 1 } })
    expect(Wire.parseDecoderLine("")).toEqual({ type: "hypothesis", text: "" })
  })

  it("knows fillers and strips pronunciation markers", () => {
    expect(["<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "+NSN+", "++GARBAGE++", "(NULL)", "the", "o'clock"].map(Wire.isFiller)).toEqual([
      true, true, true, true, true, true, true, true, false, false
    ])
    expect(["tomorrow(2)", "the(12)", "o'clock", "(2)x"].map(Wire.baseWord)).toEqual(["tomorrow", "the", "o'clock", "(2)x"])
  })
})
