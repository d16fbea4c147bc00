/**
 * What a newcomer reads when a request goes wrong: each message names the actual problem — a
 * path that does not exist, an empty file, text where audio was expected, a provider without the
 * capability asked of it, a host that could not be resolved — in words that stand alone.
 */
import { Stream } from "effect"
import { describe, expect, it } from "vitest"
import { mkdtempSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import * as NodePath from "node:path"
import { createPatchbay, MissingApiKey, ProviderUnavailable, QuotaExceeded } from "../src/index.ts"
import { FakeLlm, fakeProvider, FakeStt, FakeTts } from "../src/testing/index.ts"

const pb = createPatchbay({
  providers: [
    fakeProvider({ id: "fake", stt: FakeStt({ transcript: "hi" }), tts: FakeTts(), llm: FakeLlm({ reply: "Hello." }) }),
    fakeProvider({ id: "chatty", llm: FakeLlm({ reply: "Hello." }) })
  ],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "messages-test-secret" }
})
const stt = { provider: "fake", model: "fake-stt" }
const dir = mkdtempSync(NodePath.join(Os.tmpdir(), "patchbay-messages-"))
const file = (name: string, content: string) => {
  const path = NodePath.join(dir, name)
  writeFileSync(path, content)
  return path
}

/** How `addMessage` rejected: the error's tag and message. */
const rejection = (request: Parameters<typeof pb.addMessage>[0]) =>
  pb.addMessage(request).then(
    () => expect.unreachable("the request should fail"),
    (error: { readonly _tag: string; readonly message: string }) => ({ tag: error._tag, message: error.message })
  )

describe("messages that name the problem", () => {
  it("a missing audio path is a path not found, not an id", async () => {
    expect(await rejection({ audioFile: "user-question.mp3", voice: { stt }, sendToLlm: false })).toEqual({
      tag: "NotFound",
      message: "File not found: no file at path \"user-question.mp3\""
    })
  })

  it("an empty file says it is empty", async () => {
    expect(await rejection({ audioFile: file("empty.mp3", ""), voice: { stt }, sendToLlm: false })).toEqual({
      tag: "UnsupportedFormat",
      message: "The file is empty: no audio at audio_file"
    })
  })

  it("a text file named .mp3 says it is not audio", async () => {
    const error = await rejection({ audioFile: file("question.mp3", "How do I get to the station?\n"), voice: { stt }, sendToLlm: false })
    expect(error).toEqual({
      tag: "UnsupportedFormat",
      message: "This is not audio (looks like text) at audio_file"
    })
  })

  it("text sent as bytes, a Blob or a stream says it is not audio, as a text file does", async () => {
    const text = new TextEncoder().encode("How do I get to the station?\n")
    let cancelled = false
    // a stream that goes on: its first bytes are enough to tell
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(text),
      cancel: () => {
        cancelled = true
      }
    })
    const expected = { tag: "UnsupportedFormat", message: "This is not audio (looks like text) at audio_file" }
    expect(await rejection({ audioFile: text, voice: { stt }, sendToLlm: false })).toEqual(expected)
    expect(await rejection({ audioFile: new Blob([text]), voice: { stt }, sendToLlm: false })).toEqual(expected)
    expect(await rejection({ audioFile: stream, voice: { stt }, sendToLlm: false })).toEqual(expected)
    // the stream refused is not left open
    expect(cancelled).toBe(true)
    // binary bytes of no known container are still "unrecognized audio", not text
    expect(await rejection({ audioFile: new Uint8Array(64).fill(7), voice: { stt }, sendToLlm: false })).toEqual({
      tag: "UnsupportedFormat",
      message: "Unsupported format \"unrecognized audio\" for fake-stt (fake) at audio_file; allowed: \"wav\", \"mp3\", \"ogg\", \"flac\", \"webm\", \"mp4\", \"aac\""
    })
  })

  it("STT or TTS of a registered provider without it names the providers that have it", async () => {
    expect(await rejection({ audioFile: new Uint8Array([0xff, 0xfb, 0x90, 0x64]), voice: { stt: { provider: "chatty", model: "whisper" } }, sendToLlm: false })).toEqual({
      tag: "UnknownProvider",
      message: "Provider \"chatty\" at voice.stt.provider has no STT; registered providers with STT: \"fake\""
    })
    expect(await rejection({ content: "hi", voice: { tts: { provider: "chatty", model: "voice", voice: "ada" } } })).toEqual({
      tag: "UnknownProvider",
      message: "Provider \"chatty\" at voice.tts.provider has no TTS; registered providers with TTS: \"fake\""
    })
  })

  it("a host that could not be resolved says so", () => {
    const error = new ProviderUnavailable({ provider: "openai", detail: "the request failed: fetch failed (getaddrinfo ENOTFOUND api.openai.com)" })
    expect(error.message).toBe(
      "Provider unavailable (openai): the host api.openai.com could not be resolved (no network, or a wrong base URL): " +
        "the request failed: fetch failed (getaddrinfo ENOTFOUND api.openai.com)"
    )
    expect(new ProviderUnavailable({ provider: "openai", detail: "fetch failed (ECONNRESET)" }).message).toBe("Provider unavailable (openai): fetch failed (ECONNRESET)")
  })
})

describe("MissingApiKey", () => {
  it("names every vendor whose key is missing", () => {
    expect(new MissingApiKey({ provider: "openai", variable: "OPENAI_API_KEY" }).message).toBe(
      "No API key for openai: set OPENAI_API_KEY or pass apiKey to the openai() factory"
    )
    const both = new MissingApiKey({ provider: "openai", variable: "OPENAI_API_KEY", others: [{ provider: "elevenlabs", variable: "ELEVENLABS_API_KEY" }] })
    expect(both.message).toBe(
      "No API key for openai and elevenlabs: set OPENAI_API_KEY and ELEVENLABS_API_KEY or pass apiKey to the openai() and elevenlabs() factories"
    )
  })
})

describe("errors the facade rejects with", () => {
  /** The frames of a stack: its lines after the first. */
  const frames = (error: unknown) => String((error as Error).stack).split("\n").slice(1)
  const here = new URL(import.meta.url).pathname

  it("carry a stack that starts at the caller's call, without the Effect runtime's frames, and a message that stands alone", async () => {
    const failing = [
      () => pb.addMessage({ audioFile: "user-question.mp3", voice: { stt }, sendToLlm: false }),
      () => pb.sendMessage("hi", { llmProvider: "nobody" }),
      () => pb.createThread({ llmProvider: "fake", modelName: "no-such-model" }),
      () => pb.addMessage({ threadId: "thr_missing", content: "hi" })
    ]
    for (const call of failing) {
      const error = await call().then(() => expect.unreachable("the request should fail"), (e: unknown) => e as Error)
      expect(String(error.stack).split("\n")[0]).toBe(`${error.name}: ${error.message}`)
      expect(error.message).not.toContain("\n")
      expect(frames(error)[0]).toContain(here)
      expect(frames(error).filter((frame) => frame.includes("effect/dist"))).toEqual([])
    }
  })

  it("a failure of a stream thrown by its iterator, likewise", async () => {
    const flaky = createPatchbay({
      // the error is made inside the run, as a vendor's would be
      providers: [fakeProvider({ id: "flaky", llm: { ...FakeLlm(), stream: () => Stream.suspend(() => Stream.fail(new QuotaExceeded({ provider: "flaky" }))) } })],
      media: { secret: "messages-test-secret" }
    })
    const events = await flaky.addMessage({ content: "hi", llmProvider: "flaky", modelName: "fake-llm", stream: true })
    const error = await (async () => {
      try {
        for await (const _ of events) void _
      } catch (e) {
        return e as Error
      }
      return expect.unreachable("the stream should fail")
    })()
    expect(error).toBeInstanceOf(QuotaExceeded)
    expect(frames(error)[0]).toContain(here)
    expect(frames(error).filter((frame) => frame.includes("effect/dist"))).toEqual([])
  })
})
