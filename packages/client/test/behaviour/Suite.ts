/**
 * What `createPatchbay` does, written once and run against every target (see `Targets.ts`):
 * in process, and through `createClient` over HTTP. Each case builds its own target with the
 * fakes it scripts, and asserts exact values — never a duration. Where the two targets differ
 * by nature, the case says so and why, keyed on `remote`.
 */
import { type PipelineEvent, QuotaExceeded, ThreadBusy } from "@patchbay/core"
import { fixtureSentence, onePixelPng, scriptedMemoryLlm } from "@patchbay/core/testing"
import { readFileSync, rmSync } from "node:fs"
import { afterEach, describe, expect, it, onTestFinished } from "vitest"
import { audioKinds, collect, fieldsOf, rejection, speech, stalled, stt, toolCall, tts, until, weatherReply, weatherTool } from "./Fixtures.ts"
import type { MakeTarget, Script, Target } from "./Targets.ts"

/** The behaviour of `Patchbay`, against the targets `make` builds. `remote` is true over HTTP. */
export const behaviour = (make: MakeTarget, remote: boolean) => {
  let targets: Array<Target> = []
  const target = async (script?: Script) => {
    const t = await make(script)
    targets.push(t)
    return t
  }
  afterEach(async () => {
    for (const t of targets) await t.dispose()
    targets = []
  })

  describe("the three modes", () => {
    it("audio to text: every kind of audioFile is transcribed, all of its bytes read", async () => {
      const { pb, fakes } = await target()
      const { kinds, dir } = audioKinds()
      onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
      for (const [kind, source] of Object.entries(kinds)) {
        const response = await pb.addMessage({ audioFile: source(), voice: { stt }, sendToLlm: false })
        expect([kind, response.status, response.content]).toEqual([kind, "completed", "Hello there."])
        expect(response.messages.map((m) => [m.role, m.content])).toEqual([["user", "Hello there."]])
        expect(response.messages[0]?.voice_records?.stt).toMatchObject({ provider: "fake", model: "fake-stt", language: "en", transcript: "Hello there." })
      }
      expect(fakes.stt.log.requests).toHaveLength(5)
      expect(fakes.stt.bytesRead()).toBe(5 * speech.byteLength)
      expect(fakes.llm.log.requests).toEqual([])
    })

    it("text to audio: the reply is spoken, its audio read back by URL, by id and through media.handler", async () => {
      const { pb } = await target()
      const response = await pb.sendMessage("Hello?", { voice: { tts } })
      expect(response.content).toBe("Hello! How can I help?")
      const spoken = response.messages.at(-1)?.voice_records?.tts
      expect(spoken).toMatchObject({ provider: "fake", model: "fake-tts", voice: "ada" })
      const byUrl = await pb.media.get(spoken!.audio_url)
      const byId = await pb.media.get(spoken!.document_id)
      expect(byUrl).toEqual(byId)
      expect(byId.media_type).toBe("audio/mpeg")
      expect(byId.bytes.byteLength).toBeGreaterThan(0)
      const served = await pb.media.handler(new Request(new URL(spoken!.audio_url, "http://app.example")))
      expect(served.status).toBe(200)
      expect(new Uint8Array(await served.arrayBuffer())).toEqual(byId.bytes)
    })

    it("audio to audio: heard, answered and spoken, streamed in order", async () => {
      const { pb, fakes } = await target()
      const events = await collect(await pb.addMessage({ audioFile: speech, voice: { stt, tts }, stream: true }))
      expect(events.map((e) => e.type)).toEqual([
        "run_started",
        "stt_stream_start",
        "stt_text_delta",
        "stt_stream_end",
        ...Array<string>(5).fill("content_streaming"),
        "tts_stream_start",
        ...Array<string>(6).fill("tts_audio_chunk"),
        "tts_stream_end",
        "run_ended"
      ])
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
      expect(fakes.stt.bytesRead()).toBe(speech.byteLength)
      const thread = await pb.threads.get(events[0]!.thread_id)
      expect(thread.messages.map((m) => [m.role, m.content])).toEqual([["user", "Hello there."], ["assistant", "Hello! How can I help?"]])
      expect(thread.messages.at(-1)?.voice_records?.tts).toMatchObject({ provider: "fake", model: "fake-tts", voice: "ada" })
    })
  })

  describe("streaming", () => {
    it("events arrive in order, numbered, on the run's thread, in wire form", async () => {
      const { pb } = await target()
      const events = await collect(await pb.sendMessage("Hello?", { stream: true }))
      expect(events.map((e) => e.type)).toEqual(["run_started", "content_streaming", "content_streaming", "content_streaming", "content_streaming", "content_streaming", "run_ended"])
      expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6])
      expect(new Set(events.map((e) => e.thread_id)).size).toBe(1)
      expect(events.flatMap((e) => (e.type === "content_streaming" ? [e.content] : [])).join("")).toBe("Hello! How can I help?")
      expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "completed", reason: null, model_provider: "fake", model_name: "fake-llm" })
      expect(JSON.parse(JSON.stringify(events))).toEqual(events)
    })

    it("a failure after the start: error, run_ended failed, then the iterator throws (over HTTP without the vendor's fields)", async () => {
      const { pb } = await target({ llm: { failures: [new QuotaExceeded({ provider: "fake", status: 429 })] } })
      const seen: Array<string> = []
      const failure = await rejection((async () => {
        for await (const event of await pb.sendMessage("Hi", { stream: true })) seen.push(event.type)
      })())
      expect(seen).toEqual(["run_started", "error", "run_ended"])
      const quotaMessage = "Quota exceeded (fake): add credit or raise the plan's limit"
      // over HTTP the error is rebuilt from the `error` event, which carries its code, message
      // and retryable only: the vendor's provider and status are not on the wire
      expect(fieldsOf(failure)).toEqual(
        remote
          ? { _tag: "QuotaExceeded", message: quotaMessage, retryable: false }
          : { _tag: "QuotaExceeded", provider: "fake", status: 429, message: quotaMessage, retryable: false }
      )
    })
  })

  describe("tools", () => {
    it("a run pauses for the tool's output and resumes with submitToolOutputs, once", async () => {
      const { pb } = await target({ llm: { reply: weatherReply } })
      const paused = await pb.sendMessage("Weather in Oslo?", { tools: [weatherTool] })
      expect(paused).toMatchObject({
        status: "requires_action",
        content: "",
        tool_calls: [{ id: "call_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }]
      })
      expect(await pb.runs.get(paused.run_id)).toMatchObject({ status: "requires_action", tool_calls: paused.tool_calls })
      const resumed = await pb.submitToolOutputs(paused.run_id, [{ tool_call_id: "call_w", output: "sunny" }])
      expect(resumed).toMatchObject({ status: "completed", content: "It is sunny in Oslo.", run_id: paused.run_id, thread_id: paused.thread_id })
      expect((await pb.runs.get(paused.run_id)).status).toBe("completed")
      const again = await rejection(pb.submitToolOutputs(paused.run_id, [{ tool_call_id: "call_w", output: "sunny" }]))
      const unknown = await rejection(pb.submitToolOutputs("run_unknown", [{ tool_call_id: "call_w", output: "sunny" }], { stream: true }))
      const reason = "the run is completed, not requires_action: only a run paused for tool outputs takes them"
      expect(fieldsOf(again)).toEqual({
        _tag: "InvalidRequest",
        field: "run_id",
        value: paused.run_id,
        reason,
        message: `Invalid request at run_id: ${reason}`,
        retryable: false
      })
      expect(fieldsOf(unknown)).toEqual({ _tag: "NotFound", kind: "run", id: "run_unknown", message: "No run with id \"run_unknown\"", retryable: false })
    })

    it("streamed: tool_submit_required ends the first stream, the resumed run streams its answer", async () => {
      const { pb } = await target({ llm: { reply: weatherReply } })
      const first = await collect(await pb.sendMessage("Weather in Oslo?", { tools: [weatherTool], stream: true }))
      expect(first.map((e) => e.type)).toEqual(["run_started", "tool_call", "tool_submit_required", "run_ended"])
      expect(first.at(-1)).toMatchObject({ status: "requires_action" })
      const resumed = await collect(await pb.submitToolOutputs(first[0]!.run_id, [{ tool_call_id: "call_w", output: "rainy" }], { stream: true }))
      expect(resumed.at(-1)).toMatchObject({ type: "run_ended", status: "completed" })
      expect(resumed.flatMap((e) => (e.type === "content_streaming" ? [e.content] : [])).join("")).toBe("It is rainy in Oslo.")
    })

    it("the image tool: the LLM calls generate_image, the image is an attachment readable by id", async () => {
      const { pb, fakes } = await target({
        llm: { reply: (request) => (request.messages.at(-1)?.role === "tool" ? "Here is your fox." : [toolCall("call_1", "generate_image", { prompt: "a red fox" })]) }
      })
      const response = await pb.sendMessage("Draw a fox", { imageGeneration: "auto", imageModelProvider: "fake", imageModelName: "fake-image" })
      expect(response).toMatchObject({ status: "completed", content: "Here is your fox." })
      expect(response.attachments.map((a) => a.media_type)).toEqual(["image/png"])
      expect(fakes.image.log.requests.map((r) => r.prompt)).toEqual(["a red fox"])
      expect(await pb.media.get(response.attachments[0]!.document_id)).toEqual({ bytes: onePixelPng, media_type: "image/png" })
    })
  })

  describe("run controls", () => {
    it("cancel(runId) ends a run in flight with status cancelled; an unknown run is NotFound", async () => {
      const { pb, fakes } = await target(stalled)
      const events = await pb.sendMessage("Count", { stream: true })
      const seen: Array<PipelineEvent> = []
      for await (const event of events) {
        seen.push(event)
        if (event.type === "run_started") {
          await until(() => fakes.llm.log.requests.length === 1)
          await pb.cancel(event.run_id)
        }
      }
      expect(seen.map((e) => e.type)).toEqual(["run_started", "run_ended"])
      expect(seen.at(-1)).toMatchObject({ status: "cancelled" })
      expect((await pb.runs.get(seen[0]!.run_id)).status).toBe("cancelled")
      expect(fakes.llm.log.outcomes).toEqual(["interrupted"])
      expect(fieldsOf(await rejection(pb.cancel("run_unknown")))).toMatchObject({ _tag: "NotFound", kind: "run", id: "run_unknown" })
    })

    it("a signal aborting a stream ends it with Cancelled and the run is stored cancelled", async () => {
      // over HTTP the abort closes the request; the server sees its caller gone and cancels the
      // run, a moment later: hence the wait for the stored status
      const { pb, fakes } = await target(stalled)
      const controller = new AbortController()
      const events = await pb.sendMessage("Hi", { stream: true, signal: controller.signal })
      const seen: Array<string> = []
      const failure = await rejection((async () => {
        for await (const event of events) {
          seen.push(event.type)
          if (event.type === "run_started") {
            await until(() => fakes.llm.log.requests.length === 1)
            controller.abort()
          }
        }
      })())
      expect(seen).toEqual(["run_started"])
      expect(failure).toMatchObject({ _tag: "Cancelled" })
      const runId = (failure as { readonly runId: string }).runId
      expect(runId).toMatch(/^run_/)
      await until(async () => (await pb.runs.get(runId)).status === "cancelled")
      expect(await pb.runs.get(runId)).toMatchObject({ status: "cancelled", reason: "cancelled by the caller" })
      await until(() => fakes.llm.log.outcomes[0] === "interrupted")
      expect(fakes.llm.log.outcomes).toEqual(["interrupted"])
    })

    it("leaving the loop early stops the run: it is stored cancelled", async () => {
      // over HTTP leaving the loop closes the request, and the server cancels the run a moment later
      const { pb, fakes } = await target(stalled)
      let runId = ""
      for await (const event of await pb.sendMessage("Hi", { stream: true })) {
        runId = event.run_id
        await until(() => fakes.llm.log.requests.length === 1)
        break
      }
      await until(async () => (await pb.runs.get(runId)).status === "cancelled")
      await until(() => fakes.llm.log.outcomes[0] === "interrupted")
      expect(fakes.llm.log.outcomes).toEqual(["interrupted"])
    })

    it("a signal aborting a message answered whole rejects with Cancelled and stops the vendor call", async () => {
      const { pb, fakes } = await target(stalled)
      const controller = new AbortController()
      const pending = rejection(pb.sendMessage("Hi", { signal: controller.signal }))
      await until(() => fakes.llm.log.requests.length === 1)
      controller.abort()
      expect(fieldsOf(await pending)).toEqual({ _tag: "Cancelled", message: "Cancelled", retryable: false })
      await until(() => fakes.llm.log.outcomes[0] === "interrupted")
      expect(fakes.llm.log.outcomes).toEqual(["interrupted"])
      const [thread] = await pb.threads.list()
      const runId = (await pb.threads.get(thread!.thread_id)).messages[0]!.run_id!
      await until(async () => (await pb.runs.get(runId)).status === "cancelled")
    })
  })

  describe("assistants", () => {
    it("create, get, update, list and delete", async () => {
      const { pb } = await target()
      const created = await pb.assistants.create({ name: "Support", system_prompt: "You help.", metadata: { team: "a" } })
      expect(created).toMatchObject({ name: "Support", system_prompt: "You help.", memory: "off", memory_top_k: 10, metadata: { team: "a" } })
      expect(await pb.assistants.get(created.assistant_id)).toEqual(created)
      const updated = await pb.assistants.update(created.assistant_id, { name: "Support 2", memory_top_k: 7 })
      expect(updated).toMatchObject({ name: "Support 2", memory_top_k: 7, system_prompt: "You help." })
      expect((await pb.assistants.list()).map((a) => a.assistant_id)).toEqual(["asst_default", created.assistant_id])
      const thread = await pb.createThread({ assistantId: created.assistant_id })
      expect((await pb.threads.list({ assistantId: created.assistant_id })).map((t) => t.thread_id)).toEqual([thread.thread_id])
      expect(await pb.assistants.delete(created.assistant_id)).toBeUndefined()
      expect((await pb.assistants.list()).map((a) => a.assistant_id)).toEqual(["asst_default"])
      expect(fieldsOf(await rejection(pb.threads.get(thread.thread_id)))).toMatchObject({ _tag: "NotFound", kind: "thread" })
    })
  })

  describe("memory", () => {
    const memoryLlm: Script = {
      llm: {
        reply: scriptedMemoryLlm({
          chat: (request) => {
            const system = String(request.messages.find((m) => m.role === "system")?.content ?? "")
            return /Lives in Oslo/.test(system) ? "You live in Oslo." : "Noted."
          },
          facts: (conversation) => (conversation.includes("Oslo") ? ["Lives in Oslo"] : [])
        })
      }
    }

    it("Auto writes the turn's facts, Readonly retrieves them, off neither", async () => {
      const { pb } = await target(memoryLlm)
      const { assistant_id } = await pb.assistants.create({ name: "Concierge", memory: "Auto" })
      const told = await pb.sendMessage("Hi! I live in Oslo.", { assistantId: assistant_id, memoryScope: "user_42" })
      expect(told).toMatchObject({ content: "Noted.", retrieved_memories: [], memory_operation_id: expect.stringMatching(/^memop_/) })
      const operation = await pb.memory.wait(told.memory_operation_id!)
      expect(operation).toMatchObject({ operation_id: told.memory_operation_id, status: "COMPLETED", error: null, events: [{ event: "ADD" }] })
      expect(await pb.memory.operation(told.memory_operation_id!)).toEqual(operation)
      const stored = await pb.memory.list(assistant_id, { memory_scope: "user_42" })
      expect(stored).toMatchObject({ total_count: 1, page: 1, page_size: 100, total_pages: 1, memories: [{ content: "Lives in Oslo", memory_scope: "user_42" }] })

      const asked = await pb.sendMessage("Where do I live?", { assistantId: assistant_id, memory: "Readonly", memoryScope: "user_42" })
      expect(asked).toMatchObject({ content: "You live in Oslo.", memory_operation_id: null })
      expect(asked.retrieved_memories.map((m) => [m.id, m.memory])).toEqual([[stored.memories[0]!.id, "Lives in Oslo"]])

      const off = await pb.sendMessage("Where do I live?", { assistantId: assistant_id, memory: "off", memoryScope: "user_42" })
      expect(off).toMatchObject({ content: "Noted.", retrieved_memories: [], memory_operation_id: null })
      const otherScope = await pb.sendMessage("Where do I live?", { assistantId: assistant_id, memory: "Readonly", memoryScope: "user_7" })
      expect(otherScope).toMatchObject({ content: "Noted.", retrieved_memories: [] })
    })

    it("memories added, searched, updated, deleted, restored, reset; their history and stats", async () => {
      const { pb } = await target()
      const { assistant_id } = await pb.assistants.create({ name: "Concierge" })
      const added = await pb.memory.add(assistant_id, { content: "Likes tea", memory_scope: "user_1", metadata: { source: "form" } })
      expect(added).toMatchObject({ content: "Likes tea", memory_scope: "user_1", metadata: { source: "form" } })
      expect(await pb.memory.search(assistant_id, "Which tea?", { memory_scope: "user_1" })).toEqual([{ id: added.id, memory: "Likes tea", score: 1 / 61 }])
      const updated = await pb.memory.update(assistant_id, added.id, { content: "Likes green tea" })
      expect(updated).toMatchObject({ id: added.id, content: "Likes green tea" })
      expect(await pb.memory.stats(assistant_id)).toEqual({ total_count: 1, deleted_count: 0, scopes: 1 })
      expect((await pb.memory.delete(assistant_id, added.id)).deleted_at).toEqual(expect.any(String))
      expect(await pb.memory.list(assistant_id)).toMatchObject({ total_count: 0, memories: [] })
      expect(await pb.memory.list(assistant_id, { include_deleted: true })).toMatchObject({ total_count: 1 })
      expect((await pb.memory.restore(assistant_id, added.id)).deleted_at).toBeUndefined()
      expect((await pb.memory.history(assistant_id, added.id)).map((h) => [h.event, h.old_content, h.new_content])).toEqual([
        ["ADD", null, "Likes tea"],
        ["UPDATE", "Likes tea", "Likes green tea"],
        ["DELETE", "Likes green tea", null],
        ["RESTORE", null, "Likes green tea"]
      ])
      expect(await pb.memory.reset(assistant_id, { memory_scope: "user_1" })).toEqual({ deleted_count: 1 })
      expect(await pb.memory.stats(assistant_id)).toEqual({ total_count: 0, deleted_count: 1, scopes: 0 })
    })
  })

  describe("listen (realtime speech to text)", () => {
    const pcm = new Uint8Array(readFileSync(new URL("../../../core/test/fixtures/audio/speech.pcm", import.meta.url)))
    const realtime = { provider: "fake", model: "fake-realtime", language: "en" }
    /** The recording in chunks of 0.1 s, then whatever `after` yields. */
    async function* recording(after?: () => AsyncGenerator<Uint8Array>) {
      for (let at = 0; at < pcm.byteLength; at += 3200) yield pcm.subarray(at, at + 3200)
      if (after !== undefined) yield* after()
    }

    it("a recording: stt_stream_start, partials, the committed sentence and the record; the vendor session closed", async () => {
      const { pb, fakes } = await target()
      const events = await collect(pb.listen({ voice: { stt: realtime }, audio: recording(), format: "pcm_16000" }))
      const types = events.map((e) => e.type)
      expect(types[0]).toBe("stt_stream_start")
      expect(types.filter((t) => t === "stt_partial").length).toBeGreaterThan(2)
      expect(types.slice(-2)).toEqual(["stt_committed", "stt_stream_end"])
      expect(events[0]).toMatchObject({ provider: "fake", model: "fake-realtime", thread_id: "" })
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i))
      expect(new Set(events.map((e) => e.run_id)).size).toBe(1)
      const end = events.at(-1) as Extract<PipelineEvent, { type: "stt_stream_end" }>
      expect(end.transcript).toBe(fixtureSentence)
      expect(end.record).toMatchObject({ provider: "fake", model: "fake-realtime", transcript: fixtureSentence, duration_seconds: pcm.byteLength / 32000 })
      expect(fakes.stt.sessions.map((s) => [s.bytes, s.outcome])).toEqual([[pcm.byteLength, "completed"]])
      expect([fakes.stt.opened(), fakes.stt.closed()]).toEqual([1, 1])
    })

    it("with threadId, the transcript is stored as a user message of the thread", async () => {
      const { pb } = await target()
      const thread = await pb.createThread()
      await collect(pb.listen({ voice: { stt: realtime }, audio: recording(), format: "pcm_16000", threadId: thread.thread_id }))
      const stored = await pb.threads.get(thread.thread_id)
      expect(stored.messages.map((m) => [m.role, m.content, m.voice_records?.stt?.model])).toEqual([["user", fixtureSentence, "fake-realtime"]])
    })

    it("a format the model does not take is UnsupportedFormat at format, and no vendor session opens", async () => {
      const { pb, fakes } = await target()
      const error = await rejection(collect(pb.listen({ voice: { stt: realtime }, audio: recording(), format: "pcm_44100" })))
      expect(fieldsOf(error)).toMatchObject({ _tag: "UnsupportedFormat", field: "format", format: "pcm_44100" })
      expect(fakes.stt.opened()).toBe(0)
    })

    it("a signal aborting mid-session ends the iteration with Cancelled and closes the vendor session", async () => {
      const { pb, fakes } = await target()
      const abort = new AbortController()
      // after the recording, audio that never comes: the session stays open until the abort
      const never = async function*(): AsyncGenerator<Uint8Array> {
        await new Promise<never>(() => {})
      }
      const seen: Array<string> = []
      const error = await rejection((async () => {
        for await (const event of pb.listen({ voice: { stt: realtime }, audio: recording(never), format: "pcm_16000", commit: "manual", signal: abort.signal })) {
          seen.push(event.type)
          if (event.type === "stt_partial" && seen.filter((t) => t === "stt_partial").length === 3) abort.abort()
        }
      })())
      expect(fieldsOf(error)).toMatchObject({ _tag: "Cancelled" })
      await until(() => fakes.stt.closed() === 1)
      expect(fakes.stt.sessions.map((s) => s.outcome)).toEqual(["interrupted"])
    })
  })

  describe("errors", () => {
    it("an unknown thread is NotFound with its kind and id", async () => {
      const { pb } = await target()
      expect(fieldsOf(await rejection(pb.threads.get("thr_missing")))).toEqual({
        _tag: "NotFound",
        kind: "thread",
        id: "thr_missing",
        message: "No thread with id \"thr_missing\"",
        retryable: false
      })
      expect(fieldsOf(await rejection(pb.sendMessage("Hi", { threadId: "thr_missing" })))).toMatchObject({ _tag: "NotFound", kind: "thread", id: "thr_missing" })
      expect(fieldsOf(await rejection(pb.memory.operation("memop_nope")))).toMatchObject({ _tag: "NotFound", kind: "operation", id: "memop_nope" })
    })

    it("a wrong field is InvalidRequest naming it, also with stream: true and with audio", async () => {
      const { pb, fakes } = await target()
      const expected = {
        _tag: "InvalidRequest",
        field: "memory",
        value: "sometimes",
        allowed: ["Auto", "Readonly", "off"],
        reason: "not a memory mode",
        message: "Invalid request at memory: not a memory mode; allowed: \"Auto\", \"Readonly\", \"off\"",
        retryable: false
      }
      const wrong = { memory: "sometimes" } as unknown as { readonly memory: "off" }
      expect(fieldsOf(await rejection(pb.sendMessage("Hi", wrong)))).toEqual(expected)
      expect(fieldsOf(await rejection(pb.sendMessage("Hi", { ...wrong, stream: true })))).toEqual(expected)
      expect(fieldsOf(await rejection(pb.addMessage({ ...wrong, audioFile: speech, voice: { stt } })))).toEqual(expected)
      expect(fieldsOf(await rejection(pb.sendMessage("Hi", { voice: { tts: { ...tts, voice: "nobody" } } })))).toMatchObject({
        _tag: "InvalidRequest",
        field: "voice.tts.voice"
      })
      expect(fakes.llm.log.requests).toEqual([])
    })

    it("a malformed assistant or memory is InvalidRequest naming the field, before any request over HTTP", async () => {
      // over HTTP the client's own copy of the API's schemas refuses it, worded as core words it
      const { pb } = await target()
      const { assistant_id } = await pb.assistants.create({ name: "Concierge" })
      const empty = (field: string) => ({
        _tag: "InvalidRequest",
        field,
        value: "",
        reason: "Expected a value with a length of at least 1",
        message: `Invalid request at ${field}: Expected a value with a length of at least 1`,
        retryable: false
      })
      expect(fieldsOf(await rejection(pb.memory.add(assistant_id, { content: "" })))).toEqual(empty("content"))
      expect(fieldsOf(await rejection(pb.memory.add(assistant_id, { content: "x", memory_scope: "" })))).toEqual(empty("memory_scope"))
      expect(fieldsOf(await rejection(pb.assistants.create({ name: "" })))).toEqual(empty("name"))
      expect(fieldsOf(await rejection(pb.assistants.create({ name: "x", memory: "sometimes" as "off" })))).toEqual({
        _tag: "InvalidRequest",
        field: "memory",
        value: "sometimes",
        reason: "Expected \"Auto\" | \"Readonly\" | \"off\"",
        message: "Invalid request at memory: Expected \"Auto\" | \"Readonly\" | \"off\"",
        retryable: false
      })
      expect(await pb.memory.stats(assistant_id)).toEqual({ total_count: 0, deleted_count: 0, scopes: 0 })
    })

    it("a page out of range is InvalidRequest naming the field, in the API's words, before the lookup", async () => {
      const { pb } = await target()
      const { assistant_id } = await pb.assistants.create({ name: "Concierge" })
      const { thread_id } = await pb.createThread()
      const refused = (field: string, value: number, reason: string) => ({
        _tag: "InvalidRequest",
        field,
        value,
        reason,
        message: `Invalid request at ${field}: ${reason}`,
        retryable: false
      })
      const range = (max: number) => `Expected a value between 1 and ${max}`
      expect(fieldsOf(await rejection(pb.threads.get(thread_id, { limit: -1 })))).toEqual(refused("limit", -1, range(1000)))
      expect(fieldsOf(await rejection(pb.threads.get(thread_id, { limit: 1.5 })))).toEqual(refused("limit", 1.5, "Expected an integer"))
      expect(fieldsOf(await rejection(pb.threads.get("thr_missing", { limit: 5000 })))).toEqual(refused("limit", 5000, range(1000)))
      expect(fieldsOf(await rejection(pb.threads.list({ skip: -1 })))).toEqual(refused("skip", -1, "Expected a value greater than or equal to 0"))
      expect(fieldsOf(await rejection(pb.threads.list({ limit: 0 })))).toEqual(refused("limit", 0, range(1000)))
      expect(fieldsOf(await rejection(pb.assistants.list({ limit: 2000 })))).toEqual(refused("limit", 2000, range(1000)))
      expect(fieldsOf(await rejection(pb.memory.list(assistant_id, { page: 0 })))).toEqual(refused("page", 0, "Expected a value greater than or equal to 1"))
      expect(fieldsOf(await rejection(pb.memory.list("asst_missing", { page_size: 0 })))).toEqual(refused("page_size", 0, range(1000)))
      expect(fieldsOf(await rejection(pb.memory.search(assistant_id, "x", { limit: 0 })))).toEqual(refused("limit", 0, range(100)))
      expect(fieldsOf(await rejection(pb.memory.search("asst_missing", "x", { limit: 101 })))).toEqual(refused("limit", 101, range(100)))
      // the edges are accepted
      expect((await pb.threads.get(thread_id, { limit: 1000 })).messages).toEqual([])
      expect(await pb.threads.list({ skip: 0, limit: 1 })).toHaveLength(1)
      expect(await pb.memory.list(assistant_id, { page: 1, page_size: 1000 })).toMatchObject({ page: 1, page_size: 1000, total_count: 0 })
      expect(await pb.memory.search(assistant_id, "x", { limit: 100 })).toEqual([])
    })

    it("a forged media link is InvalidRequest at sig; an unknown document is NotFound", async () => {
      const { pb } = await target()
      const response = await pb.sendMessage("Hello?", { voice: { tts } })
      const url = response.messages.at(-1)!.voice_records!.tts!.audio_url
      const forged = url.replace(/sig=./, (m) => (m.endsWith("A") ? "sig=B" : "sig=A"))
      expect(fieldsOf(await rejection(pb.media.get(forged)))).toEqual({
        _tag: "InvalidRequest",
        field: "url",
        value: forged.replace(/sig=.*$/, "sig=[redacted]"),
        reason: "signature does not match",
        message: "Invalid request at url: signature does not match",
        retryable: false
      })
      expect(fieldsOf(await rejection(pb.media.get("doc_AAAAAAAAAAAAAAAAAAAAAAAA")))).toMatchObject({
        _tag: "NotFound",
        kind: "document",
        id: "doc_AAAAAAAAAAAAAAAAAAAAAAAA"
      })
    })

    it("a missing audio file is NotFound of kind file", async () => {
      const { pb } = await target()
      expect(fieldsOf(await rejection(pb.addMessage({ audioFile: "/nonexistent/speech.mp3", voice: { stt } })))).toEqual({
        _tag: "NotFound",
        kind: "file",
        id: "/nonexistent/speech.mp3",
        message: "File not found: no file at path \"/nonexistent/speech.mp3\"",
        retryable: false
      })
    })

    it("audio of unknown length past the STT model's limit is InputTooLarge, and the rest of it is never read", async () => {
      // over HTTP the server counts the bytes as they arrive and refuses the upload; `size` is
      // what was counted then, which differs from the in-process count by what was in flight
      const { pb } = await target()
      let read = 0
      const oneMiB = new Uint8Array(1 << 20)
      const endless = {
        async *[Symbol.asyncIterator]() {
          read += speech.byteLength
          yield speech
          for (let i = 0; i < 100; i++) {
            read += oneMiB.byteLength
            yield oneMiB
          }
        }
      }
      const error = await rejection(pb.addMessage({ audioFile: endless, voice: { stt }, sendToLlm: false }))
      expect(fieldsOf(error)).toMatchObject({ _tag: "InputTooLarge", field: "audio_file", limit: 26_214_400, provider: "fake", model: "fake-stt" })
      expect((error as { readonly size: number }).size).toBeGreaterThan(26_214_400)
      expect(read).toBeLessThan(speech.byteLength + 100 * oneMiB.byteLength)
    })

    it("a message to a thread with a run in flight is ThreadBusy naming the run", async () => {
      const { pb } = await target(stalled)
      const events = (await pb.sendMessage("First", { stream: true }))[Symbol.asyncIterator]()
      const started = (await events.next()).value as PipelineEvent
      const busy = await rejection(pb.sendMessage("Second", { threadId: started.thread_id }))
      expect(busy).toBeInstanceOf(ThreadBusy)
      expect(fieldsOf(busy)).toEqual({
        _tag: "ThreadBusy",
        threadId: started.thread_id,
        runId: started.run_id,
        message: new ThreadBusy({ threadId: started.thread_id, runId: started.run_id }).message,
        retryable: false
      })
      await events.return!()
    })
  })
}
