import { expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { MediaStore, Pipeline, type PipelineEvent, ThreadStore, type LlmEvent, type LlmRequest } from "../src/index.ts"
import { onePixelPng } from "../src/testing/index.ts"
import { collect, llm, makeScenario, types } from "./support/pipeline.ts"

const image = { image_generation: "auto", image_model_provider: "fake", image_model_name: "fake-image" } as const

const call = (id: string, name: string, args: unknown): LlmEvent => ({
  type: "tool_call",
  tool_call: { id, type: "function", function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) } }
})

/** The last message the LLM was given. */
const lastOf = (request: LlmRequest) => request.messages.at(-1)!

/** An LLM that calls a tool when the user speaks, and answers in words once it has the result. */
const toolThenText = (toolCall: LlmEvent, text: string) => (request: LlmRequest): string | ReadonlyArray<LlmEvent> =>
  lastOf(request).role === "tool" ? text : [toolCall]

const only = <T extends PipelineEvent["type"]>(events: ReadonlyArray<PipelineEvent>, type: T) =>
  events.filter((e): e is Extract<PipelineEvent, { type: T }> => e.type === type)

it.effect("the image tool: the LLM calls generate_image, the image is stored and announced, the LLM finishes", () => {
  const s = makeScenario({ llm: { reply: toolThenText(call("call_1", "generate_image", { prompt: "a red fox" }), "Here is your fox.") } })
  return Effect.gen(function*() {
    const events = yield* collect({ content: "Draw a fox", ...llm, ...image })
    expect(types(events)).toEqual(["run_started", "tool_call", "media_generated", "content_streaming", "content_streaming", "content_streaming", "content_streaming", "run_ended"])
    const media = only(events, "media_generated")[0]!.media
    expect(media.media_type).toBe("image/png")
    expect(media.url).toMatch(new RegExp(`^/media/${media.document_id}\\?exp=\\d+&sig=`))
    const stored = yield* (yield* MediaStore).get(media.document_id)
    expect(stored.bytes).toEqual(onePixelPng)
    expect(stored.thread_id).toBe(events[0]!.thread_id)

    // the LLM was offered the tool, then got the result with the document id
    expect(s.fakes.llm.log.requests[0]?.tools?.map((t) => t.function.name)).toEqual(["generate_image"])
    expect(s.fakes.image.log.requests.map((r) => [r.model, r.prompt, r.input_images])).toEqual([["fake-image", "a red fox", undefined]])
    const result = lastOf(s.fakes.llm.log.requests[1]!)
    expect(result).toEqual({ role: "tool", tool_call_id: "call_1", content: JSON.stringify({ document_id: media.document_id, media_type: "image/png" }) })
    expect(only(events, "run_ended")[0]?.status).toBe("completed")
  }).pipe(Effect.provide(s.layer))
})

it.effect("the image is among the response's attachments and on the assistant's message", () => {
  const s = makeScenario({ llm: { reply: toolThenText(call("call_1", "generate_image", { prompt: "a lighthouse" }), "Done.") } })
  return Effect.gen(function*() {
    const response = yield* Pipeline.addMessageResponse({ content: "Draw a lighthouse", ...llm, ...image })
    expect(response.content).toBe("Done.")
    expect(response.attachments).toHaveLength(1)
    expect(response.attachments[0]?.media_type).toBe("image/png")
    expect(response.messages.at(-1)?.attachments).toEqual(response.attachments)
    const stored = yield* (yield* ThreadStore).messages(response.thread_id)
    expect(stored.at(-1)?.attachments).toEqual([{ document_id: response.attachments[0]!.document_id, media_type: "image/png" }])
  }).pipe(Effect.provide(s.layer))
})

it.effect("an edit by document_id in the same thread sends the image and produces a new document", () => {
  let firstId = ""
  const s = makeScenario({
    llm: {
      reply: (request) => {
        const last = lastOf(request)
        if (last.role === "tool") return "Edited."
        return firstId === ""
          ? [call("call_1", "generate_image", { prompt: "a cat" })]
          : [call("call_2", "generate_image", { prompt: "make it blue", input_image_document_id: firstId })]
      }
    },
    image: { image: onePixelPng }
  })
  return Effect.gen(function*() {
    const first = yield* Pipeline.addMessageResponse({ content: "Draw a cat", ...llm, ...image })
    firstId = first.attachments[0]!.document_id
    const second = yield* Pipeline.addMessageResponse({ thread_id: first.thread_id, content: "Make it blue", ...llm, ...image })
    const secondId = second.attachments[0]!.document_id
    expect(secondId).not.toBe(firstId)
    expect(s.fakes.image.log.requests[1]?.prompt).toBe("make it blue")
    expect(s.fakes.image.log.requests[1]?.input_images).toEqual([{ data: onePixelPng, media_type: "image/png" }])
  }).pipe(Effect.provide(s.layer))
})

it.effect("a document of another thread, or none at all, reaches the LLM as a tool error, not a crash", () => {
  let foreign = ""
  const s = makeScenario({
    llm: {
      reply: (request) => {
        const last = lastOf(request)
        if (last.role === "tool") return `Sorry: ${last.content}`
        if (last.role === "user" && last.content === "Draw") return [call("c0", "generate_image", { prompt: "a tree" })]
        const target = last.role === "user" && last.content === "Edit theirs" ? foreign : "doc_AAAAAAAAAAAAAAAAAAAAAAAA"
        return [call("c1", "generate_image", { prompt: "edit", input_image_document_id: target })]
      }
    }
  })
  return Effect.gen(function*() {
    const other = yield* Pipeline.addMessageResponse({ content: "Draw", ...llm, ...image })
    foreign = other.attachments[0]!.document_id
    const theirs = yield* Pipeline.addMessageResponse({ content: "Edit theirs", ...llm, ...image })
    const missing = yield* Pipeline.addMessageResponse({ content: "Edit a missing one", ...llm, ...image })
    expect(theirs.status).toBe("completed")
    expect(theirs.content).toBe(`Sorry: {"error":"no image with document_id \\"${foreign}\\" in this conversation"}`)
    expect(missing.content).toBe(`Sorry: {"error":"no image with document_id \\"doc_AAAAAAAAAAAAAAAAAAAAAAAA\\" in this conversation"}`)
    expect(s.fakes.image.log.requests).toHaveLength(1)
  }).pipe(Effect.provide(s.layer))
})

it.effect("malformed tool arguments and unknown tools are tool errors the LLM reads", () => {
  const s = makeScenario({
    llm: {
      reply: (request) => {
        const last = lastOf(request)
        if (last.role === "tool") return `got ${last.content}`
        return last.role === "user" && last.content === "bad json"
          ? [call("c1", "generate_image", "{not json")]
          : [call("c2", "delete_everything", {})]
      }
    }
  })
  return Effect.gen(function*() {
    const bad = yield* Pipeline.addMessageResponse({ content: "bad json", ...llm, ...image })
    expect(bad.content).toBe(`got {"error":"the arguments are not valid JSON"}`)
    const unknown = yield* Pipeline.addMessageResponse({ content: "unknown", ...llm })
    expect(unknown.content).toBe(`got {"error":"there is no tool named \\"delete_everything\\""}`)
  }).pipe(Effect.provide(s.layer))
})

const weather = {
  type: "function",
  function: { name: "get_weather", description: "The weather in a city", parameters: { type: "object", properties: { city: { type: "string" } } } }
} as const

it.effect("a user tool pauses the run; submitToolOutputs resumes it (not streaming)", () => {
  const s = makeScenario({ llm: { reply: toolThenText(call("call_w", "get_weather", { city: "Oslo" }), "It is sunny in Oslo.") } })
  return Effect.gen(function*() {
    const paused = yield* Pipeline.addMessageResponse({ content: "Weather in Oslo?", ...llm, tools: [weather] })
    expect(paused.status).toBe("requires_action")
    expect(paused.tool_calls).toEqual([{ id: "call_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }])
    expect(paused.messages.at(-1)?.status).toBe("requires_action")

    // wrong outputs are refused and the run stays paused
    expect(yield* Effect.flip(Pipeline.submitToolOutputsResponse(paused.run_id, [{ tool_call_id: "nope", output: "x" }]))).toMatchObject({
      _tag: "InvalidRequest",
      field: "tool_outputs[0].tool_call_id",
      allowed: ["call_w"]
    })
    expect(yield* Effect.flip(Pipeline.submitToolOutputsResponse(paused.run_id, []))).toMatchObject({ _tag: "InvalidRequest", field: "tool_outputs" })

    const done = yield* Pipeline.submitToolOutputsResponse(paused.run_id, [{ tool_call_id: "call_w", output: "{\"sky\":\"clear\"}" }])
    expect(done.status).toBe("completed")
    expect(done.run_id).toBe(paused.run_id)
    expect(done.content).toBe("It is sunny in Oslo.")
    expect(done.messages.map((m) => m.role)).toEqual(["assistant"])
    expect(lastOf(s.fakes.llm.log.requests[1]!)).toEqual({ role: "tool", tool_call_id: "call_w", content: "{\"sky\":\"clear\"}" })
    // the run is completed now, no longer paused: outputs for it are refused, naming the run
    expect(yield* Effect.flip(Pipeline.submitToolOutputsResponse(paused.run_id, [{ tool_call_id: "call_w", output: "again" }]))).toMatchObject({
      _tag: "InvalidRequest",
      field: "run_id",
      value: paused.run_id,
      reason: "the run is completed, not requires_action: only a run paused for tool outputs takes them"
    })
    const stored = yield* (yield* ThreadStore).messages(done.thread_id)
    expect(stored.map((m) => [m.role, m.status])).toEqual([
      ["user", "completed"],
      ["assistant", "requires_action"],
      ["tool", "completed"],
      ["assistant", "completed"]
    ])
  }).pipe(Effect.provide(s.layer))
})

it.effect("a user tool pauses the run; submitToolOutputs resumes it (streaming, with its own TTS pair)", () => {
  const s = makeScenario({ llm: { reply: toolThenText(call("call_w", "get_weather", { city: "Oslo" }), "It is sunny.") } })
  return Effect.gen(function*() {
    const tts = { provider: "fake", model: "fake-tts", voice: "ada" }
    const first = yield* collect({ content: "Weather?", ...llm, tools: [weather], voice: { tts } })
    expect(types(first)).toEqual(["run_started", "tool_call", "tool_submit_required", "run_ended"])
    expect(only(first, "run_ended")[0]?.status).toBe("requires_action")
    const resumed = [...(yield* Stream.runCollect(Pipeline.submitToolOutputs(first[0]!.run_id, [{ tool_call_id: "call_w", output: "sunny" }])))]
    const kinds = types(resumed)
    expect(kinds[0]).toBe("run_started")
    expect(kinds.filter((k) => k === "tts_stream_start")).toHaveLength(1)
    expect(kinds.filter((k) => k === "tts_stream_end")).toHaveLength(1)
    expect(kinds.at(-1)).toBe("run_ended")
    expect(resumed.every((e) => e.run_id === first[0]!.run_id)).toBe(true)
    expect(s.fakes.tts.log.requests.map((r) => r.text)).toEqual(["It is sunny."])
  }).pipe(Effect.provide(s.layer))
})

it.effect("cancelling a run paused for tool outputs abandons it", () => {
  const s = makeScenario({ llm: { reply: toolThenText(call("call_w", "get_weather", { city: "Oslo" }), "Sunny.") } })
  return Effect.gen(function*() {
    const paused = yield* Pipeline.addMessageResponse({ content: "Weather?", ...llm, tools: [weather] })
    expect(paused.status).toBe("requires_action")
    yield* Pipeline.cancel(paused.run_id)
    expect(yield* Effect.flip(Pipeline.submitToolOutputsResponse(paused.run_id, [{ tool_call_id: "call_w", output: "x" }]))).toMatchObject({
      _tag: "InvalidRequest",
      field: "run_id",
      value: paused.run_id,
      reason: "the run is cancelled, not requires_action: only a run paused for tool outputs takes them"
    })
    expect(yield* Effect.flip(Pipeline.cancel(paused.run_id))).toMatchObject({ _tag: "NotFound", kind: "run" })
  }).pipe(Effect.provide(s.layer))
})
