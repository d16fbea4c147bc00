/**
 * The seed's Image Tool walk-through (`reference/SEED.md`), end to end through the pipeline:
 * `createPatchbay` with OpenAI's `gpt-4.1` as the thread's LLM (`@patchbay/openai`) and
 * OpenRouter's `google/gemini-3.1-flash-image-preview` as the image model, streaming. The first
 * message generates an image — `media_generated` carries its URL and `document_id` — and a
 * second message in the same thread edits it by that `document_id` and yields a new document.
 * Both vendors replay synthesized cassettes; `makeDocumentId` makes the ids known in advance, so
 * the replayed LLM can name the first one.
 */
import type { PipelineEvent } from "@patchbay/core"
import { createTestPatchbay } from "@patchbay/core/testing"
import { Cassette, replayFetch } from "@patchbay/conformance"
import { openai } from "@patchbay/openai"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { openrouter } from "../src/index.ts"

const cassette = (name: string) => Cassette.loadSync(new URL(`./cassettes/seed/${name}`, import.meta.url))
const png = (name: string) => new Uint8Array(readFileSync(new URL(`./cassettes/images/${name}`, import.meta.url)))

const collect = async (events: AsyncIterable<PipelineEvent>) => {
  const out: Array<PipelineEvent> = []
  for await (const event of events) out.push(event)
  return out
}

/** The event types in order, a run of deltas or chunks shown once. */
const shape = (events: ReadonlyArray<PipelineEvent>) => events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1])

const FIRST_DOCUMENT = "doc_seedImageToolDocument001"
const SECOND_DOCUMENT = "doc_seedImageToolDocument002"
const signedUrl = (documentId: string) => new RegExp(`^/media/${documentId}\\?exp=\\d+&sig=[A-Za-z0-9_-]+$`)

describe("the seed's Image Tool, OpenAI gpt-4.1 drawing with OpenRouter's Gemini image model", () => {
  it("generates an image, then edits it by its document_id in the same thread", async () => {
    const openaiFetch = replayFetch(cassette("openai-gpt-4.1.json"))
    const openrouterFetch = replayFetch(cassette("openrouter-gemini-image.json"))
    let made = 0
    const pb = createTestPatchbay({
      providers: [openai({ fetch: openaiFetch, apiKey: "sk" + "-seed-test-key-0123456789" }), openrouter({ fetch: openrouterFetch, apiKey: "sk-or-seed-test-key" })],
      media: { secret: "seed-image-tool-secret" },
      makeDocumentId: () => `doc_seedImageToolDocument${String(++made).padStart(3, "0")}`
    })
    const image = {
      llmProvider: "openai",
      modelName: "gpt-4.1",
      imageGeneration: "auto",
      imageModelProvider: "openrouter",
      imageModelName: "google/gemini-3.1-flash-image-preview",
      stream: true
    } as const

    // First message: text to image.
    const first = await collect(await pb.sendMessage("Generate a square image of a tiny red robot watering a sunflower in a sunny garden.", image))
    expect(shape(first)).toEqual(["run_started", "tool_call", "media_generated", "content_streaming", "run_ended"])
    const threadId = first[0]?.thread_id
    expect(first.every((e) => e.thread_id === threadId)).toBe(true)
    const generated = first.find((e) => e.type === "media_generated")
    if (generated?.type !== "media_generated") throw new Error("no media_generated event")
    expect(generated.media.document_id).toBe(FIRST_DOCUMENT)
    expect(generated.media.media_type).toBe("image/png")
    expect(generated.media.url).toMatch(signedUrl(FIRST_DOCUMENT))
    expect(first.flatMap((e) => (e.type === "content_streaming" ? [e.content] : [])).join("")).toBe(
      "Here is your image: a tiny red robot watering a sunflower in a sunny garden."
    )
    expect(first.at(-1)).toMatchObject({
      type: "run_ended",
      status: "completed",
      model_provider: "openai",
      model_name: "gpt-4.1",
      usage: { input_tokens: 142 + 18 + 203, output_tokens: 31 + 1290 + 17, total_tokens: 173 + 1308 + 220, cost_usd: 0.0387 }
    })
    expect((await pb.media.get(generated.media.url)).bytes).toEqual(png("robot-red.png"))

    // Second message, same thread: edit that image by its document_id.
    const second = await collect(await pb.sendMessage(
      `Edit the generated image with document_id ${FIRST_DOCUMENT}. Pass this exact id as input_image_document_id to the generate_image tool. ` +
        "Make the robot blue and add a small crescent moon in the sky.",
      { ...image, threadId: threadId! }
    ))
    expect(shape(second)).toEqual(["run_started", "tool_call", "media_generated", "content_streaming", "run_ended"])
    expect(second.every((e) => e.thread_id === threadId)).toBe(true)
    const call = second.find((e) => e.type === "tool_call")
    expect(call?.type === "tool_call" && JSON.parse(call.tool_call.function.arguments)).toEqual({
      prompt: "Make the robot blue and add a small crescent moon in the sky.",
      input_image_document_id: FIRST_DOCUMENT
    })
    const edited = second.find((e) => e.type === "media_generated")
    if (edited?.type !== "media_generated") throw new Error("no media_generated event for the edit")
    expect(edited.media.document_id).toBe(SECOND_DOCUMENT)
    expect(edited.media.url).toMatch(signedUrl(SECOND_DOCUMENT))
    expect((await pb.media.get(SECOND_DOCUMENT)).bytes).toEqual(png("robot-blue.png"))
    expect((await pb.media.get(FIRST_DOCUMENT)).bytes).toEqual(png("robot-red.png"))
    expect(second.at(-1)).toMatchObject({ type: "run_ended", status: "completed", usage: { cost_usd: 0.0388 } })

    // On the wire: the edit sent the first image back to OpenRouter as a data-URL image part.
    const editRequest = openrouterFetch.log[1]?.body
    expect(editRequest?.type === "json" && (editRequest.json as { messages: unknown }).messages).toEqual([{
      role: "user",
      content: [
        { type: "text", text: "Make the robot blue and add a small crescent moon in the sky." },
        { type: "image_url", image_url: { url: `data:image/png;base64,${Buffer.from(png("robot-red.png")).toString("base64")}` } }
      ]
    }])
    expect(openaiFetch.log.map((e) => e.status)).toEqual([200, 200, 200, 200])
    expect(openrouterFetch.log.map((e) => e.status)).toEqual([200, 200])
    await pb.dispose()
  })
})
