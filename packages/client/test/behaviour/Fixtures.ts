/**
 * What the behaviour suite's cases share: the audio they speak, the scripted LLM replies (a
 * weather tool, a run that stays in flight), and the helpers that read events and errors as data.
 */
import type { LlmEvent, LlmRequest, PipelineEvent } from "@patchbay/core"
import { silentMp3 } from "@patchbay/core/testing"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect } from "vitest"
import type { Script } from "./Targets.ts"

/** A second of silent mp3: what every audio case speaks. */
export const speech = silentMp3({ seconds: 1 })

export const stt = { provider: "fake", model: "fake-stt", language: "en" } as const
export const tts = { provider: "fake", model: "fake-tts", voice: "ada" } as const

export const weatherTool = {
  type: "function",
  function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } }
} as const

export const toolCall = (id: string, name: string, args: unknown): LlmEvent => ({
  type: "tool_call",
  tool_call: { id, type: "function", function: { name, arguments: JSON.stringify(args) } }
})

/** Calls `get_weather` when offered tools and the user spoke last; answers once it has the result. */
export const weatherReply = (request: LlmRequest): string | ReadonlyArray<LlmEvent> => {
  const last = request.messages.at(-1)
  if (last?.role === "tool") return `It is ${last.content} in Oslo.`
  if ((request.tools ?? []).length === 0) return "Hello! How can I help?"
  return [toolCall("call_w", "get_weather", { city: "Oslo" })]
}

/** An LLM that never answers until it is interrupted: a run that stays in flight, without timing. */
export const stalled: Script = { llm: { firstToken: "1 hour" } }

export const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const out: Array<PipelineEvent> = []
  for await (const event of events) out.push(event)
  return out
}

/** What a promise rejects with. */
export const rejection = (promise: Promise<unknown>) => promise.then(() => expect.unreachable("resolved"), (error: unknown) => error)

/** An error as data: its tag, message, `retryable` and own fields. */
export const fieldsOf = (error: unknown) => {
  const e = error as Error & { readonly _tag: string; readonly retryable: boolean }
  return { ...Object.fromEntries(Object.entries(e)), _tag: e._tag, message: e.message, retryable: e.retryable }
}

/** Waits (5 ms at a time, at most 2 s) until `condition` holds: a state is asserted, never a duration. */
export const until = async (condition: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 400 && !(await condition()); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  expect(await condition()).toBe(true)
}

/** The audio kinds `audioFile` takes, each a fresh source of the same bytes; `dir` holds the file. */
export const audioKinds = () => {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-behaviour-"))
  const path = join(dir, "speech.mp3")
  writeFileSync(path, speech)
  const chunks = [speech.subarray(0, 1000), speech.subarray(1000)]
  const kinds = {
    path: () => path,
    bytes: () => speech,
    blob: () => new Blob([speech as Uint8Array<ArrayBuffer>], { type: "audio/mpeg" }),
    readableStream: () => new ReadableStream<Uint8Array>({ start: (c) => (chunks.forEach((chunk) => c.enqueue(chunk)), c.close()) }),
    asyncIterable: () => ({ async *[Symbol.asyncIterator]() { yield* chunks } })
  }
  return { kinds, dir }
}
