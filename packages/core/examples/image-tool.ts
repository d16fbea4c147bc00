/**
 * The image tool: with `imageGeneration: "auto"` the LLM is offered the built-in
 * `generate_image` tool. When it calls it, the image model runs, the image is stored as a
 * document of the thread (`media_generated`, then the response's `attachments`), and the LLM
 * reads the new `document_id` as the tool's result. A later message of the same thread edits the
 * image by its `document_id`; an id of another thread is refused with a tool error the LLM reads.
 *
 * The vendors are deterministic fakes from `@patchbay/core/testing`, so this runs offline and
 * without keys; swap in real adapters (`openai()`, `openrouter()`) and nothing else changes.
 *
 * Run it: `node packages/core/examples/image-tool.ts` (Node 24, from the repo root).
 */
import { createPatchbay, type LlmEvent } from "@patchbay/core"
import { FakeImage, FakeLlm, fakeProvider } from "@patchbay/core/testing"

/** Document ids are random: print only their prefix. */
const hide = (text: string) => text.replace(/doc_[A-Za-z0-9_-]+/g, "doc_…")

let calls = 0
const generateImage = (args: { readonly prompt: string; readonly input_image_document_id?: string }): LlmEvent => ({
  type: "tool_call",
  tool_call: { id: `call_${++calls}`, type: "function", function: { name: "generate_image", arguments: JSON.stringify(args) } }
})

// A scripted LLM. The user speaks last: it calls generate_image (to edit when the message names
// a document id). The tool's result is last: it answers in words, from what the tool returned.
const llm = FakeLlm({
  reply: (request) => {
    const last = request.messages.at(-1)
    if (last?.role === "tool") {
      const result = JSON.parse(last.content) as { readonly error?: string }
      return result.error === undefined ? "Here is your image." : `Sorry: ${result.error}`
    }
    const text = typeof last?.content === "string" ? last.content : ""
    const id = /doc_[A-Za-z0-9_-]+/.exec(text)?.[0]
    return [id === undefined ? generateImage({ prompt: text }) : generateImage({ prompt: "Make the robot blue.", input_image_document_id: id })]
  }
})
const image = FakeImage({ latency: "20 millis" }) // returns a one-pixel PNG

const pb = createPatchbay({
  providers: [fakeProvider({ id: "fake", llm, image })],
  defaults: { llm: { provider: "fake", model: "fake-llm" } },
  media: { secret: "example-secret" }
})
const imageOptions = { imageGeneration: "auto", imageModelProvider: "fake", imageModelName: "fake-image" } as const

// 1. Text to image, streaming: the image arrives as a media_generated event.
let documentId: string | undefined
let threadId: string | undefined
for await (
  const event of await pb.sendMessage("A tiny red robot watering a sunflower.", { ...imageOptions, stream: true })
) {
  threadId = event.thread_id
  if (event.type === "tool_call") console.log(`tool_call: ${event.tool_call.function.name} ${event.tool_call.function.arguments}`)
  if (event.type === "media_generated") {
    documentId = event.media.document_id
    console.log(`media_generated: ${event.media.media_type}, ${hide(event.media.document_id)}`)
  }
}
console.log(`offered tools: ${llm.log.requests[0]?.tools?.map((t) => t.function.name).join(", ")}`)
const toolResult = llm.log.requests[1]?.messages.at(-1)
console.log(`the LLM read: ${hide(typeof toolResult?.content === "string" ? toolResult.content : "")}`)

// 2. Image to image: the next message of the same thread names the document id to edit.
const edited = await pb.sendMessage(`Edit the image with document_id ${documentId}: make the robot blue.`, {
  ...imageOptions,
  threadId
})
const attachment = edited.attachments[0]
console.log(`reply: ${edited.content}`)
console.log(`attachments: ${edited.attachments.map((a) => `${a.media_type} ${hide(a.document_id)}`).join(", ")}`)
console.log(`a new document: ${attachment !== undefined && attachment.document_id !== documentId}`)
console.log(`the image model got: ${image.log.requests[1]?.input_images?.length ?? 0} input image, prompt "${image.log.requests[1]?.prompt}"`)

// 3. An image of another thread is refused like one that does not exist: a tool error the LLM reads.
const elsewhere = await pb.sendMessage("A green cactus.", imageOptions) // a new thread
const foreign = await pb.sendMessage(`Edit the image with document_id ${elsewhere.attachments[0]?.document_id}.`, {
  ...imageOptions,
  threadId
})
console.log(`foreign id: status ${foreign.status}, attachments ${foreign.attachments.length}, reply: ${hide(foreign.content)}`)
console.log(`image model calls: ${image.log.requests.length}`)

await pb.dispose()
