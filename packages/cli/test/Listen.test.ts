/**
 * `patchbay listen`: a real recording (espeak-ng, 16 kHz mono WAV) streamed to the realtime fake
 * of `@patchbay/core/testing`, in process, with `--fast` (the pace itself is a sleep until each
 * chunk's due time, not asserted here: no test depends on the clock).
 */
import { fakeProvider, FakeRealtimeStt, fixtureSentence } from "@patchbay/core/testing"
import { copyFileSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { readWav } from "../src/Listen.ts"
import { cli, tempDir } from "./support.ts"

const fixtures = path.resolve(import.meta.dirname, "../../core/test/fixtures/audio")
const wav = path.join(fixtures, "speech.wav")
const live = () => {
  const stt = FakeRealtimeStt()
  return { stt, providers: [fakeProvider({ id: "fake", stt })] }
}

describe("patchbay listen", () => {
  it("streams a WAV's samples as pcm_16000 and prints each committed utterance on its line", async () => {
    const { stt, providers } = live()
    const ran = await cli(["listen", wav, "--stt", "fake/fake-realtime", "--fast"], { providers })
    expect(ran.stderr).toBe(
      "listening to speech.wav (2.57 s of pcm_16000) with fake/fake-realtime, fast…\n" +
        "heard 1 utterance(s) in 2.57 s of audio (fake/fake-realtime, language en)\n"
    )
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe(`${fixtureSentence}\n`)
    expect(stt.sessions).toHaveLength(1)
    expect(stt.sessions[0]).toMatchObject({ spec: { model: "fake-realtime", audio_format: "pcm_16000", commit: "vad" }, outcome: "completed" })
    // The WAV's samples, without its 44-byte header.
    expect(stt.sessions[0]?.bytes).toBe(readFileSync(wav).byteLength - 44)
    expect(stt.closed()).toBe(1)
  })

  it("on a terminal, the utterance so far is rewritten in place before it settles", async () => {
    const { providers } = live()
    const ran = await cli(["listen", wav, "--stt", "fake/fake-realtime", "--fast"], { providers, tty: true })
    expect(ran.code).toBe(0)
    const rewrites = ran.stdout.split("\r\x1b[2K").filter((s) => s !== "")
    expect(rewrites.length).toBeGreaterThan(2)
    expect(rewrites[0]).toBe(fixtureSentence.split(" ")[0])
    expect(rewrites.at(-1)).toBe(`${fixtureSentence}\n`)
  })

  it("--json prints the transcript, the utterances and voice_records.stt", async () => {
    const { providers } = live()
    const ran = await cli(["listen", wav, "--stt", "fake/fake-realtime", "--fast", "--json", "--language", "en"], { providers })
    expect(ran.code).toBe(0)
    const document = JSON.parse(ran.stdout)
    expect(document).toMatchObject({
      file: wav,
      transcript: fixtureSentence,
      utterances: [fixtureSentence],
      voice_records: { stt: { provider: "fake", model: "fake-realtime", transcript: fixtureSentence } }
    })
    expect(document.voice_records.stt.duration_seconds).toBeCloseTo((readFileSync(wav).byteLength - 44) / 32000, 6)
  })

  it("an mp3 is decoded with ffmpeg to the model's PCM format", async () => {
    const { stt, providers } = live()
    const ran = await cli(["listen", path.join(fixtures, "speech.mp3"), "--stt", "fake/fake-realtime", "--fast"], { providers })
    expect(ran.stderr).toMatch(/^listening to speech\.mp3 \(2\.\d\d s of pcm_16000\) with fake\/fake-realtime, fast…\n/)
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe(`${fixtureSentence}\n`)
    expect(stt.sessions[0]?.spec.audio_format).toBe("pcm_16000")
  })

  it("raw audio needs --format; with it, the bytes go as they are", async () => {
    const cwd = tempDir()
    copyFileSync(path.join(fixtures, "speech.pcm"), path.join(cwd, "speech.pcm"))
    const refused = await cli(["listen", "speech.pcm", "--stt", "fake/fake-realtime", "--fast"], { providers: live().providers, cwd })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("speech.pcm is raw audio: say its format with --format (e.g. pcm_16000)")
    const { stt, providers } = live()
    const ran = await cli(["listen", "speech.pcm", "--stt", "fake/fake-realtime", "--fast", "--format", "pcm_16000"], { providers, cwd })
    expect(ran.code).toBe(0)
    expect(stt.sessions[0]?.bytes).toBe(readFileSync(path.join(fixtures, "speech.pcm")).byteLength)
  })

  it("a format the model does not take is refused before any session opens, naming --format", async () => {
    const cwd = tempDir()
    copyFileSync(path.join(fixtures, "speech.pcm"), path.join(cwd, "speech.pcm"))
    const { stt, providers } = live()
    const ran = await cli(["listen", "speech.pcm", "--stt", "fake/fake-realtime", "--format", "pcm_44100"], { providers, cwd })
    expect(ran.code).not.toBe(0)
    expect(ran.stderr).toContain("pcm_44100")
    expect(stt.opened()).toBe(0)
  })

  it("--commit takes vad or manual only", async () => {
    const ran = await cli(["listen", wav, "--stt", "fake/fake-realtime", "--commit", "sometimes"], { providers: live().providers })
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain("--commit is vad or manual, not \"sometimes\"")
  })
})

describe("readWav", () => {
  it("takes 16-bit mono PCM and says why it refuses anything else", () => {
    const bytes = new Uint8Array(readFileSync(wav))
    const read = readWav(bytes)
    expect(typeof read === "string" ? read : { format: read.format, size: read.bytes.byteLength }).toEqual({ format: "pcm_16000", size: bytes.byteLength - 44 })
    const stereo = bytes.slice()
    new DataView(stereo.buffer).setUint16(22, 2, true)
    expect(readWav(stereo)).toBe("its audio is 2 channel(s) of 16-bit PCM, not 16-bit mono PCM")
    expect(readWav(new Uint8Array(12))).toBe("not a RIFF/WAVE file")
  })
})
