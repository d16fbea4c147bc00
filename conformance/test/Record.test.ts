import { AudioInput } from "@patchbay/core"
import { Effect, Stream } from "effect"
import { createHash } from "node:crypto"
import { cpSync, mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { acmeVoice } from "../examples/acme-voice/src/index.ts"
import { Cassette, Checks, isRecordMode, makeSubject, recordFetch, recordSubject, replayFetch } from "../src/index.ts"
import { fakeAcme } from "./support/FakeAcme.ts"

const key = "acme_live_0123456789abcdef"
const cassettes = fileURLToPath(new URL("../examples/acme-voice/cassettes/", import.meta.url))
const fixture = path.join(cassettes, "audio/speech.mp3")
const mp3 = new Uint8Array(readFileSync(fixture))

const speak = { model: "acme-speak-1", voice: "ada", output_format: "mp3_16000", text: "Patchbay turns speech into text and back again." }

const runAll = (provider: ReturnType<typeof acmeVoice>) =>
  Effect.gen(function*() {
    const audio = yield* AudioInput.fromFile(fixture)
    const transcript = yield* provider.stt!.transcribe({ model: "acme-listen-1", language: "en", audio })
    const speech = yield* Stream.runCollect(provider.tts!.synthesize(speak))
    const chat = yield* Stream.runCollect(provider.llm!.stream({ model: "acme-think-1", messages: [{ role: "user", content: "Hi" }] }))
    const image = yield* provider.image!.generate({ model: "acme-draw-1", prompt: "a fox" })
    return { transcript, speech, chat, image }
  })

describe("record mode", () => {
  it("is off unless PATCHBAY_RECORD=1", () => {
    expect([isRecordMode({}), isRecordMode({ PATCHBAY_RECORD: "true" }), isRecordMode({ PATCHBAY_RECORD: "1" })]).toEqual([false, false, true])
  })

  it("records every exchange with credentials stripped, uploads hashed and streams chunked with their delays", async () => {
    const vendor = fakeAcme(key)
    // mergeWithinMs: 0 keeps every read a chunk of its own, whatever the machine's load.
    const recorder = recordFetch({ upstream: vendor.upstream, secrets: [key], mergeWithinMs: 0 })
    const live = await Effect.runPromise(runAll(acmeVoice({ fetch: recorder, apiKey: key })))
    const interactions = await recorder.interactions()
    const text = JSON.stringify(interactions)
    expect(text).not.toContain(key)
    expect(text).not.toContain("session=abc")
    expect(interactions.map((i) => `${i.request.method} ${new URL(i.request.url).pathname} ${i.response.status} ${i.response.body?.type}`)).toEqual([
      "POST /v1/transcriptions 200 json",
      "POST /v1/speech 200 binary",
      "POST /v1/chat 200 sse",
      "POST /v1/images 200 json"
    ])
    const [stt, tts, chat] = interactions
    expect(stt?.request.headers).not.toHaveProperty("authorization")
    expect(stt?.request.body).toEqual({
      type: "multipart",
      fields: {
        model: "acme-listen-1",
        file: { sha256: createHash("sha256").update(mp3).digest("hex"), size: mp3.byteLength, filename: "speech.mp3", content_type: "audio/mpeg" },
        language: "en"
      }
    })
    expect(stt?.response.headers).not.toHaveProperty("set-cookie")
    expect(stt?.response.body).toMatchObject({ type: "json", json: { note: "received 21312 bytes for key [redacted]" } })
    const audio = tts?.response.body
    if (audio?.type !== "binary") throw new Error("expected a binary body")
    expect(audio.chunks).toHaveLength(3)
    // The vendor paused 25 ms twice: the recorded delays add up to at least that (reads may lag, never lead).
    expect(audio.chunks.reduce((sum, c) => sum + (c.delay_ms ?? 0), 0)).toBeGreaterThanOrEqual(45)
    expect(Buffer.concat(audio.chunks.map((c) => Buffer.from("base64" in c ? c.base64 : "", "base64")))).toEqual(Buffer.from(mp3))
    expect(chat?.response.body).toMatchObject({
      type: "sse",
      chunks: [
        { raw: ": ping\n\n" },
        { data: { type: "text", delta: "Hello" } },
        { data: { type: "text", delta: " there" } },
        { data: { type: "usage", input_tokens: 5, output_tokens: 2 } },
        { data: { type: "done", finish_reason: "stop" } },
        { data: "[DONE]" }
      ]
    })
    // The caller saw the vendor's responses unchanged.
    expect(live.transcript.text).toBe("Patchbay turns speech into text and back again.")
    expect(Buffer.concat(live.speech.flatMap((e) => (e.type === "audio" ? [e.data] : [])))).toEqual(Buffer.from(mp3))

    // And the recording replays: the same calls against the cassette give the same results.
    const cassette = Cassette.decodeSync({ version: 1, source: "recorded", interactions }, "recorded.json")
    const replay = replayFetch(cassette)
    const replayed = await Effect.runPromise(runAll(acmeVoice({ fetch: replay, apiKey: "replay-placeholder-key" })))
    expect(replayed.transcript).toEqual({
      ...live.transcript,
      provider_output: { ...(live.transcript.provider_output as object), note: "received 21312 bytes for key [redacted]" }
    })
    expect(replayed.speech).toEqual(live.speech)
    expect(replayed.chat).toEqual(live.chat)
    expect(replayed.image.images).toEqual(live.image.images)
    expect(replay.log.map((e) => e.interaction)).toEqual([0, 1, 2, 3])
  })

  it("re-records a subject's success cassettes as recorded and leaves error cassettes alone", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "record-"))
    for (const name of ["stt-success.json", "tts-success-mp3.json", "stt-unauthorized.json", "audio"]) {
      cpSync(path.join(cassettes, name), path.join(dir, name), { recursive: true })
    }
    const before = readFileSync(path.join(dir, "stt-unauthorized.json"), "utf8")
    const vendor = fakeAcme(key)
    const subject = makeSubject({ name: "acme-voice", make: (o) => acmeVoice(o), cassettes: dir })
    const recorded = await Effect.runPromise(recordSubject(subject, key, vendor.upstream))
    expect(recorded.map((r) => [path.basename(r.file), r.interactions, r.outcome])).toEqual([
      ["stt-success.json", 1, "ok"],
      ["tts-success-mp3.json", 1, "ok"]
    ])
    expect(vendor.requests).toEqual(["POST /v1/transcriptions", "POST /v1/speech"])
    expect(readFileSync(path.join(dir, "stt-unauthorized.json"), "utf8")).toBe(before)
    const stt = Cassette.loadSync(path.join(dir, "stt-success.json"))
    expect(stt.cassette.source).toBe("recorded")
    expect(stt.cassette.scenario).toEqual(Cassette.loadSync(path.join(cassettes, "stt-success.json")).cassette.scenario)
    expect(readFileSync(path.join(dir, "stt-success.json"), "utf8")).not.toContain(key)
    // The battery replays the new recording; the fake vendor's words differ from the synthesized
    // expectation (no word timings), which the timestamps check reports.
    const replayed = makeSubject({ name: "acme-voice", make: (o) => acmeVoice(o), cassettes: dir })
    expect((await Checks.runCheck(Checks.byId("stt.text"), replayed)).status).toBe("pass")
    expect((await Checks.runCheck(Checks.byId("tts.format"), replayed)).status).toBe("pass")
    expect(await Checks.runCheck(Checks.byId("stt.timestamps"), replayed)).toMatchObject({
      status: "fail",
      detail: "stt-success.json: words: the vendor returned 8, the transcript has none"
    })
  })
})
