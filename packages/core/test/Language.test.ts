import { expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Language } from "../src/index.ts"

it("ISO 639-1 codes are recognized and nothing else is", () => {
  expect(Language.isIso6391("en")).toBe(true)
  expect(Language.isIso6391("zh")).toBe(true)
  for (const bad of ["EN", "eng", "english", "xx", "e", "en-US", ""]) expect([bad, Language.isIso6391(bad)]).toEqual([bad, false])
  expect(Language.iso6391Codes.length).toBe(184)
})

it("vendor languages normalize to ISO 639-1, and unknowns to null rather than a guess", () => {
  const cases: Array<[string | null | undefined, string | null]> = [
    ["en", "en"],
    ["eng", "en"], // ElevenLabs
    ["spa", "es"],
    ["cmn", null], // Mandarin has no 639-1 code of its own
    ["zho", "zh"],
    ["ger", "de"], // 639-2/B
    ["fre", "fr"],
    ["english", "en"], // OpenAI verbose_json
    ["English", "en"],
    ["greek", "el"],
    ["modern greek", "el"],
    ["punjabi", "pa"],
    ["haitian creole", "ht"],
    ["en-US", "en"],
    ["pt_BR", "pt"],
    ["und", null],
    ["cantonese", null],
    ["", null],
    [null, null],
    [undefined, null]
  ]
  for (const [input, expected] of cases) expect([input, Language.toIso6391(input)]).toEqual([input, expected])
})

it("the LanguageCode schema explains what it expects", () => {
  expect(Schema.decodeUnknownSync(Language.LanguageCode)("fr")).toBe("fr")
  expect(() => Schema.decodeUnknownSync(Language.LanguageCode)("french")).toThrow(
    "expected an ISO 639-1 code such as \"en\", got \"french\""
  )
})
