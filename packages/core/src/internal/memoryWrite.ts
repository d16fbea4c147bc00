/**
 * The write of a turn's memories (memory `"Auto"`): one operation per completed turn, started
 * once the turn is stored and run in the background by the runtime's `MemoryWorker`, so the
 * response, its events and its first audio never wait for it.
 *
 * The operation asks the memory LLM twice. First it extracts the facts worth keeping from the
 * turn; then, shown the stored memories most similar to those facts (the candidates), it decides
 * for each fact: `ADD` a memory, `UPDATE` or `DELETE` one of the candidates, or `NONE`. Both
 * replies are JSON decoded by a schema; a candidate id the LLM invents is a decode failure. The
 * decisions are applied only once both replies decoded (and their texts are embedded, when the
 * assistant names an embedding model), each change a history row naming the operation.
 *
 * A reply that does not decode, a vendor error after its retries, or running past
 * `memory.operationTimeoutMs` ends the operation `FAILED` with the reason and the raw reply —
 * never `COMPLETED` with nothing written. While it runs, the operation holds an owner lease,
 * renewed a third of the lease apart; a process that dies leaves it to be settled `FAILED`
 * (`owner lost`) by the next reader.
 */
import { Cause, Clock, Effect, Exit, Schema, Stream } from "effect"
import type { ProviderError } from "../Errors.ts"
import * as Memories from "../Memories.ts"
import { type Memory as StoredMemory, type MemoryEvent, MemoryStore, type StoredMemoryOperation } from "../MemoryStore.ts"
import type { LlmMessage } from "../Provider.ts"
import type { ProviderRegistry } from "../ProviderRegistry.ts"
import { makeId } from "../Run.ts"
import { PipelineSettings } from "../Settings.ts"
import * as Validation from "../Validation.ts"
import type { Warning } from "../Warning.ts"
import { idleTimeout, retryStream } from "./resilience.ts"
import * as Recall from "./stages/recall.ts"

const iso = (ms: number) => new Date(ms).toISOString()

// ---------------------------------------------------------------------------------------------
// Prompts and the replies' schemas
// ---------------------------------------------------------------------------------------------

/** The default instructions of fact extraction; an assistant's `custom_fact_extraction_prompt` replaces them. */
export const defaultFactExtractionPrompt = [
  "You keep a memory of facts about the user for an assistant that talks with them across many conversations.",
  "Read the conversation turn below and write down each fact about the user worth remembering later:",
  "who they are, where they live, their work, family, plans, preferences, dislikes, and things they ask you to remember.",
  "Write each fact as one short sentence in the third person (\"Lives in Oslo\", \"Is allergic to peanuts\").",
  "Leave out greetings, small talk, facts about the assistant, and anything only true for this conversation.",
  "When the user asks you to forget something, write the fact that they want it forgotten (\"Wants their phone number forgotten\")."
].join("\n")

/** The default instructions of the update step; an assistant's `custom_update_memory_prompt` replaces them. */
export const defaultUpdateMemoryPrompt = [
  "You maintain a memory of facts about the user. You are given the new facts from the latest conversation turn and",
  "the stored memories most similar to them, each with an id. Decide for each new fact what to do:",
  "ADD it as a new memory when no stored memory says it;",
  "UPDATE a stored memory when the fact corrects it or says more about the same thing (give the merged text);",
  "DELETE a stored memory when the fact contradicts it without replacing it, or the user asked to forget it;",
  "NONE when a stored memory already says it."
].join("\n")

/** What the extraction reply must be: the format is appended to any instructions, custom or default. */
export const factFormat = "Reply with JSON only, exactly this shape: {\"facts\": [\"<fact>\", …]} — an empty list when there is nothing to remember."

/** What the update reply must be. */
export const updateFormat = "Reply with JSON only, exactly this shape: {\"memory\": [{\"event\": \"ADD\" | \"UPDATE\" | \"DELETE\" | \"NONE\", " +
  "\"id\": \"<a stored memory's id, for UPDATE and DELETE>\", \"text\": \"<the memory's new text, for ADD and UPDATE>\"}, …]}. " +
  "Only use ids of the stored memories listed; never invent one."

/** The extraction reply. @category schemas */
export const Facts = Schema.Struct({ facts: Schema.Array(Schema.String) })

const Decision = Schema.Union([
  Schema.Struct({ event: Schema.Literal("ADD"), text: Schema.String.check(Schema.isNonEmpty()) }),
  Schema.Struct({ event: Schema.Literal("UPDATE"), id: Schema.String, text: Schema.String.check(Schema.isNonEmpty()) }),
  Schema.Struct({ event: Schema.Literal("DELETE"), id: Schema.String }),
  Schema.Struct({ event: Schema.Literal("NONE"), id: Schema.optionalKey(Schema.NullOr(Schema.String)) })
])
/** One decision of the update reply. */
export type Decision = typeof Decision.Type

/** The update reply. @category schemas */
export const Decisions = Schema.Struct({ memory: Schema.Array(Decision) })

/** A failure of the operation: its reason and the reply that caused it, if any. */
export class WriteFailure extends Schema.TaggedError<WriteFailure>()("WriteFailure", {
  reason: Schema.String,
  raw_output: Schema.NullOr(Schema.String)
}) {}

/** The reply's JSON: the text itself, or the body of a Markdown code fence around it. */
const jsonOf = (reply: string): string => {
  const fenced = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(reply)
  return fenced === null ? reply.trim() : fenced[1]!.trim()
}

/** Decodes a reply against its schema; anything else is a {@link WriteFailure} keeping the reply. */
export const decodeReply = <S extends Schema.Decoder<unknown>>(schema: S, step: string) => (reply: string): Effect.Effect<S["Type"], WriteFailure> =>
  Effect.suspend(() => {
    let json: unknown
    try {
      json = JSON.parse(jsonOf(reply))
    } catch {
      return Effect.fail(new WriteFailure({ reason: `the ${step} reply is not JSON`, raw_output: reply }))
    }
    return Validation.decodeWith(schema, step)(json).pipe(
      Effect.mapError((error) => new WriteFailure({ reason: `the ${step} reply does not decode: ${error.message}`, raw_output: reply }))
    )
  })

/**
 * Checks that every `UPDATE` and `DELETE` names one of the candidates (by the short id it was
 * shown), at most one decision per candidate; anything else is a decode failure.
 */
export const checkIds = (decisions: ReadonlyArray<Decision>, candidateIds: ReadonlyArray<string>, reply: string) =>
  Effect.suspend(() => {
    const touched = new Set<string>()
    for (const decision of decisions) {
      if (decision.event !== "UPDATE" && decision.event !== "DELETE") continue
      if (!candidateIds.includes(decision.id)) {
        return Effect.fail(new WriteFailure({
          reason: `the update reply does not decode: ${decision.event} names id ${JSON.stringify(decision.id)}, which is not one of the ` +
            `memories it was shown (${candidateIds.length === 0 ? "none" : candidateIds.join(", ")})`,
          raw_output: reply
        }))
      }
      if (touched.has(decision.id)) {
        return Effect.fail(new WriteFailure({ reason: `the update reply does not decode: it changes id ${decision.id} twice`, raw_output: reply }))
      }
      touched.add(decision.id)
    }
    return Effect.void
  })

// ---------------------------------------------------------------------------------------------
// Asking the memory LLM
// ---------------------------------------------------------------------------------------------

/** The memory LLM's whole reply to `messages`: retried while it has yielded nothing, each wait bounded by the LLM timeout. */
const ask = (plan: Memories.Plan, messages: ReadonlyArray<LlmMessage>, step: string) =>
  Effect.gen(function*() {
    const settings = yield* PipelineSettings
    const llm = plan.llm!
    let text = ""
    yield* retryStream(
      () => idleTimeout(llm.capability.stream({ model: llm.modelId, messages }), settings.timeouts.llm, { provider: llm.provider.id, stage: "llm" }),
      settings.retry
    ).pipe(Stream.runForEach((event) => Effect.sync(() => void (event.type === "text_delta" ? (text += event.delta) : undefined))))
    return text
  }).pipe(
    Effect.mapError((error: ProviderError) => new WriteFailure({ reason: `the ${step} call failed: ${error._tag}: ${error.message}`, raw_output: null }))
  )

/** The turn's text as the memory LLM reads it. */
export interface TurnText {
  readonly user: string
  readonly assistant: string
}

const conversation = (turn: TurnText) => `User: ${turn.user}\nAssistant: ${turn.assistant}`

/** The texts embedded (in one batch), when the assistant names an embedding model. */
const embedAll = (plan: Memories.Plan, texts: ReadonlyArray<string>) =>
  Recall.embedTexts(plan.assistant, texts).pipe(
    Effect.mapError((error) => new WriteFailure({ reason: `embedding failed: ${error._tag}: ${error.message}`, raw_output: null }))
  )

/** How many similar memories each fact brings as candidates. */
const CANDIDATES_PER_FACT = 5

/** A change an operation made. */
export type Change = { readonly memory_id: string; readonly event: MemoryEvent }

/**
 * Extracts the turn's facts, retrieves the candidates, asks for the decisions and applies them,
 * pushing each change to `events` as it is stored (so an operation that fails or times out
 * midway still lists what it wrote).
 */
export const extractAndApply = (plan: Memories.Plan, turn: TurnText, operationId: string, events: Array<Change>) =>
  Effect.gen(function*() {
    const { assistant } = plan
    const store = yield* MemoryStore
    const extraction = yield* ask(plan, [
      { role: "system", content: `${assistant.custom_fact_extraction_prompt ?? defaultFactExtractionPrompt}\n\n${factFormat}` },
      { role: "user", content: conversation(turn) }
    ], "fact extraction")
    const { facts } = yield* decodeReply(Facts, "fact extraction")(extraction)
    const kept = facts.map((fact) => fact.trim()).filter((fact) => fact !== "")
    if (kept.length === 0) return

    // The candidates: each fact's most similar live memories of the scope, shown under short ids.
    const factVectors = yield* embedAll(plan, kept)
    const candidates = new Map<string, StoredMemory>()
    for (const [i, fact] of kept.entries()) {
      const found = yield* Recall.search({ assistant, scope: plan.scope }, fact, CANDIDATES_PER_FACT, factVectors?.[i]).pipe(
        Effect.mapError((error) => new WriteFailure({ reason: `retrieving similar memories failed: ${error._tag}: ${error.message}`, raw_output: null }))
      )
      for (const { memory } of found) candidates.set(memory.id, memory)
    }
    const shown = [...candidates.values()].map((memory, i) => ({ id: String(i), memory }))
    const updateReply = yield* ask(plan, [
      { role: "system", content: `${assistant.custom_update_memory_prompt ?? defaultUpdateMemoryPrompt}\n\n${updateFormat}` },
      { role: "user", content: JSON.stringify({ stored_memories: shown.map(({ id, memory }) => ({ id, text: memory.content })), new_facts: kept }) }
    ], "update")
    const { memory: decisions } = yield* decodeReply(Decisions, "update")(updateReply)
    yield* checkIds(decisions, shown.map((c) => c.id), updateReply)

    const byShortId = new Map(shown.map(({ id, memory }) => [id, memory]))
    const written = decisions.filter((d): d is Extract<Decision, { readonly text: string }> => d.event === "ADD" || d.event === "UPDATE")
    const vectors = yield* embedAll(plan, written.map((d) => d.text))
    const vectorOf = (decision: Decision) => {
      const i = written.indexOf(decision as (typeof written)[number])
      return i === -1 ? undefined : vectors?.[i]
    }
    const by = () => ({ operation_id: operationId, history_id: makeId("hist") })
    const failed = (error: { readonly _tag: string; readonly message: string }) =>
      new WriteFailure({ reason: `storing the changes failed after ${events.length} of them: ${error._tag}: ${error.message}`, raw_output: null })
    for (const decision of decisions) {
      const at = iso(yield* Clock.currentTimeMillis)
      switch (decision.event) {
        case "ADD": {
          const memory: StoredMemory = {
            id: makeId("mem"),
            content: decision.text,
            memory_scope: plan.scope,
            metadata: {},
            created_at: at,
            updated_at: at
          }
          yield* store.put(assistant.assistant_id, memory, by(), vectorOf(decision)).pipe(Effect.mapError(failed))
          events.push({ memory_id: memory.id, event: "ADD" })
          break
        }
        case "UPDATE": {
          const current = byShortId.get(decision.id)!
          if (current.content === decision.text) break
          yield* store.put(assistant.assistant_id, { ...current, content: decision.text, updated_at: at }, by(), vectorOf(decision)).pipe(
            Effect.mapError(failed)
          )
          events.push({ memory_id: current.id, event: "UPDATE" })
          break
        }
        case "DELETE": {
          const current = byShortId.get(decision.id)!
          yield* store.softDelete(assistant.assistant_id, current.id, by()).pipe(Effect.mapError(failed))
          events.push({ memory_id: current.id, event: "DELETE" })
          break
        }
        case "NONE":
          break
      }
    }
  })

// ---------------------------------------------------------------------------------------------
// The operation
// ---------------------------------------------------------------------------------------------

const leaseUntil = Effect.gen(function*() {
  const settings = yield* PipelineSettings
  return iso((yield* Clock.currentTimeMillis) + settings.runs.leaseMs)
})

/** Ends the operation with its outcome. */
const finish = (operation: StoredMemoryOperation, ended: Pick<StoredMemoryOperation, "status" | "error" | "raw_output" | "events">) =>
  Effect.gen(function*() {
    const store = yield* MemoryStore
    const completed_at = iso(yield* Clock.currentTimeMillis)
    yield* store.putOperation({ ...operation, ...ended, completed_at, lease_expires_at: null })
  })

/**
 * Runs a started operation to its end: {@link extractAndApply} within `memory.operationTimeoutMs`,
 * its lease renewed meanwhile, then `COMPLETED` with its changes or `FAILED` with the reason, the
 * raw reply, and any changes it stored before it failed (a store failing midway; the decode
 * failures write nothing). Interrupted (the runtime closing), it ends `FAILED` as far as the
 * store lets it.
 */
export const run = (plan: Memories.Plan, turn: TurnText, operation: StoredMemoryOperation) => {
  const events: Array<Change> = []
  return Effect.scoped(Effect.gen(function*() {
    const settings = yield* PipelineSettings
    const store = yield* MemoryStore
    const every = Math.max(1, Math.floor(settings.runs.leaseMs / 3))
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(Effect.sleep(every), Effect.ignore(Effect.flatMap(leaseUntil, (until) => store.renewOperation(operation.operation_id, until))))))
    const exit = yield* extractAndApply(plan, turn, operation.operation_id, events).pipe(
      Effect.timeoutOrElse({
        duration: settings.memory.operationTimeoutMs,
        orElse: () => Effect.fail(new WriteFailure({ reason: `timeout: the operation took longer than ${settings.memory.operationTimeoutMs} ms`, raw_output: null }))
      }),
      Effect.exit
    )
    if (Exit.isSuccess(exit)) {
      yield* finish(operation, { status: "COMPLETED", error: null, raw_output: null, events })
      return
    }
    const failure = Cause.findErrorOption(exit.cause)
    const ended = failure._tag === "Some" && failure.value._tag === "WriteFailure"
      ? { error: failure.value.reason, raw_output: failure.value.raw_output }
      : { error: `defect: ${Cause.pretty(exit.cause).split("\n")[0] ?? "unknown"}`, raw_output: null }
    yield* finish(operation, { status: "FAILED", events, ...ended })
  })).pipe(
    Effect.onInterrupt(() => Effect.ignore(finish(operation, { status: "FAILED", error: "interrupted: the runtime closed", raw_output: null, events }))),
    Effect.ignore
  )
}

/** What starting a turn's write gives the run: the operation's id, or null and why not. */
export interface Started {
  readonly operation_id: string | null
  readonly warnings: ReadonlyArray<Warning>
}

/** No write (memory is not `"Auto"`, or the turn did not complete). */
export const notStarted: Started = { operation_id: null, warnings: [] }

/**
 * Starts the write of a completed turn: records the operation `IN_PROGRESS` under a lease, hands
 * {@link run} to the runtime's worker, and returns the operation id at once. When the store
 * refuses the operation, the turn (already stored) ends normally, without an operation id and
 * with the warning `memory_not_written` saying why.
 */
export const startForTurn = (plan: Memories.Plan, turn: TurnText) =>
  Effect.gen(function*() {
    const worker = yield* Memories.requireWorker.pipe(Effect.orDie) // checked when the message was prepared
    const store = yield* MemoryStore
    const created_at = iso(yield* Clock.currentTimeMillis)
    const operation: StoredMemoryOperation = {
      operation_id: makeId("memop"),
      status: "IN_PROGRESS",
      error: null,
      raw_output: null,
      events: [],
      created_at,
      completed_at: null,
      assistant_id: plan.assistant.assistant_id,
      memory_scope: plan.scope,
      lease_expires_at: yield* leaseUntil
    }
    yield* store.putOperation(operation)
    const context = yield* Effect.context<MemoryStore | ProviderRegistry>()
    yield* worker.fork(Effect.provideContext(run(plan, turn, operation), context))
    const started: Started = { operation_id: operation.operation_id, warnings: [] }
    return started
  }).pipe(
    Effect.catch((error: { readonly _tag: string; readonly message: string }) =>
      Effect.succeed<Started>({
        operation_id: null,
        warnings: [{ code: "memory_not_written", message: `the turn's memory operation could not be started: ${error._tag}: ${error.message}` }]
      })
    )
  )
