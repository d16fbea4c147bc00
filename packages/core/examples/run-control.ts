/**
 * Run control: stopping a run mid-stream, three ways.
 *
 * 1. `pb.cancel(runId)` — the run ends normally: `run_ended{status: "cancelled"}`, its partial
 *    text kept (in the thread too), every vendor request in flight aborted.
 * 2. The caller's `AbortSignal` — the call rejects (or the iterator throws) with `Cancelled`.
 * 3. With the Effect API, interrupting the event stream (here: taking it only until an event).
 *
 * The vendors are deterministic fakes from `@patchbay/core/testing`; their call logs show which
 * requests were interrupted.
 *
 * Run it: `node packages/core/examples/run-control.ts` (Node 24, from the repo root).
 */
import { Effect, Layer, Stream } from "effect"
import { createPatchbay, MediaStore, Pipeline, type PipelineEvent, ProviderRegistry, Stores, ThreadStore } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"

const reply = "Here is the first sentence. And here comes the second one, slowly."

/** Scripted vendors: an LLM writing 5 tokens a second, and a TTS that takes 5 s to answer. */
const makeFakes = () => {
  const llm = FakeLlm({
    // Asked again in the same thread, it repeats (in one delta) what the thread kept of its last answer.
    reply: (request) => {
      const earlier = request.messages.findLast((m) => m.role === "assistant")
      return earlier === undefined ? reply : [{ type: "text_delta", delta: `Earlier I said: "${String(earlier.content)}"` }]
    },
    tokensPerSecond: 5
  })
  const tts = FakeTts({ firstByte: "5 seconds" })
  return { llm, tts, provider: fakeProvider({ id: "fake", llm, tts }) }
}

const voice = { tts: { provider: "fake", model: "fake-tts", voice: "ada" } }
const text = (events: ReadonlyArray<PipelineEvent>) =>
  events.map((e) => (e.type === "content_streaming" ? e.content : "")).join("")

// 1. cancel(runId): the run id is on every event.
{
  const { llm, tts, provider } = makeFakes()
  const pb = createPatchbay({ providers: [provider], defaults: { llm: { provider: "fake", model: "fake-llm" } }, media: { secret: "example-secret" } })
  const seen: Array<PipelineEvent> = []
  for await (const event of await pb.addMessage({ content: "Tell me something.", voice, stream: true })) {
    seen.push(event)
    // The first sentence is already being synthesized; cancel a few words into the second.
    if (event.type === "content_streaming" && event.content === " comes") await pb.cancel(event.run_id)
  }
  const end = seen.at(-1)
  console.log(`cancel: ${seen.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]).join(" → ")}`)
  console.log(`cancel: status ${end?.type === "run_ended" ? end.status : "?"}, partial text "${text(seen)}"`)
  console.log(`cancel: vendor calls llm ${llm.log.outcomes.join(", ")}; tts ${tts.log.outcomes.join(", ")}`)
  // The thread kept the partial answer (marked cancelled): the next message sees it.
  const next = await pb.addMessage({ threadId: seen[0]?.thread_id, content: "What did you say?" })
  console.log(`cancel: next message → ${next.content}`)
  await pb.dispose()
}

// 2. AbortSignal: the caller's own signal, for a streaming and a non-streaming call.
{
  const { llm, provider } = makeFakes()
  const pb = createPatchbay({ providers: [provider], defaults: { llm: { provider: "fake", model: "fake-llm" } }, media: { secret: "example-secret" } })
  const controller = new AbortController()
  const seen: Array<string> = []
  try {
    for await (const event of await pb.addMessage({ content: "Hi", stream: true, signal: controller.signal })) {
      seen.push(event.type)
      if (event.type === "content_streaming") controller.abort()
    }
  } catch (error) {
    console.log(`signal (stream): ${seen.join(" → ")}, then the iterator throws ${(error as { _tag?: string })._tag}`)
  }
  const pending = pb.addMessage({ content: "Hi", signal: AbortSignal.timeout(300) })
  await pending.catch((error: { _tag?: string }) => console.log(`signal (promise): rejects with ${error._tag}`))
  console.log(`signal: vendor calls llm ${llm.log.outcomes.join(", ")}`)
  await pb.dispose()
}

// 3. Effect: interrupting the stream interrupts the run; the thread keeps the partial text as cancelled.
{
  const { llm, provider } = makeFakes()
  const layer = Layer.mergeAll(
    ProviderRegistry.layer([provider]),
    MediaStore.layerMemory({ secret: "example-secret" }),
    Stores.layerMemory,
    Pipeline.Runs.layer
  )
  const program = Effect.gen(function*() {
    const events = yield* Pipeline.addMessage({ content: "Hi", llm_provider: "fake", model_name: "fake-llm" }).pipe(
      Stream.takeUntil((event) => event.type === "content_streaming" && event.content === " the"),
      Stream.runCollect
    )
    const stored = yield* (yield* ThreadStore).messages(events[0]?.thread_id ?? "")
    console.log(`effect: last event ${events.at(-1)?.type}, thread keeps ${stored.map((m) => `${m.role} "${m.content}" (${m.status})`).join(", ")}`)
    console.log(`effect: vendor calls llm ${llm.log.outcomes.join(", ")}`)
  })
  await Effect.runPromise(program.pipe(Effect.provide(layer)))
}
