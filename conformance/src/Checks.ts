/**
 * The checks of the conformance battery, as plain values: each has an id (`stt.text`), a title,
 * a `plan` that decides without I/O which cassettes it plays (or why it does not apply, which
 * the battery reports as a skipped test with that reason), and a `run` that plays them against
 * fresh providers and fails with a message saying what is wrong and how to fix it.
 * `runConformance` wraps each in a vitest test; {@link runCheck} and {@link runChecks} run them
 * directly, which is how the battery's own self-tests prove that every check can fail.
 *
 * This module lists the checks in report order; they live in `internal/checks/`, one module per
 * capability (`stt`, `tts`, `llm`, `image`) or concern (`validate` and `model-options` for
 * refusals, `wire` and `options` for what reaches the wire, `http` for status mapping, streams,
 * aborts and retries, `secrets`, `process` for local programs).
 *
 * @since 0.1.0
 */
import { Cause, Effect } from "effect"
import type { Check, CheckGroup, CheckResult, CheckStatus } from "./internal/checks/common.ts"
import { embeddingBehaviourChecks, embeddingValidateChecks } from "./internal/checks/embedding.ts"
import { deltasCheck } from "./internal/checks/deltas.ts"
import { detailsCheck } from "./internal/checks/details.ts"
import { ttsEmptyText } from "./internal/checks/empty-text.ts"
import { providerOutputCheck } from "./internal/checks/provider-output.ts"
import { requestIdCheck } from "./internal/checks/request-id.ts"
import { httpChecks } from "./internal/checks/http.ts"
import { imageBytes, imageUsage } from "./internal/checks/image.ts"
import { latencyChecks } from "./internal/checks/latency.ts"
import { lineEndsCheck } from "./internal/checks/line-ends.ts"
import { nothingOutlivesCheck } from "./internal/checks/lifetime.ts"
import { llmText, llmToolCalls, llmUsage } from "./internal/checks/llm.ts"
import { refusesModelOptions } from "./internal/checks/model-options.ts"
import { optionsCoverageCheck, requestFieldsCheck } from "./internal/checks/options.ts"
import { llmMedia } from "./internal/checks/media.ts"
import { processChecks } from "./internal/checks/process.ts"
import { realtimeChecks } from "./internal/checks/realtime.ts"
import { recordSecretsCheck } from "./internal/checks/record-secrets.ts"
import { secretsCheck } from "./internal/checks/secrets.ts"
import { sttShape } from "./internal/checks/shape.ts"
import { sttStreamedUpload } from "./internal/checks/upload.ts"
import { sttDuration, sttLanguage, sttText, sttTimestamps, sttTooLarge, sttUnsupported, sttUsage } from "./internal/checks/stt.ts"
import { ttsCharacters, ttsDuration, ttsFormat, ttsStreaming, ttsUsage } from "./internal/checks/tts.ts"
import { refusalChecks, validateCheck } from "./internal/checks/validate.ts"
import { refusesValues } from "./internal/checks/values.ts"
import { wireCheck } from "./internal/checks/wire.ts"
import { ttsWords } from "./internal/checks/speech-words.ts"
import { sttSegments } from "./internal/checks/transcript.ts"
import { transportFailureCheck } from "./internal/checks/transport.ts"
import { deadlineCheck } from "./internal/checks/deadline.ts"
import { unreadableBodyCheck } from "./internal/checks/unreadable.ts"
import { sttUploadType } from "./internal/checks/upload-type.ts"
import { warningsCheck } from "./internal/checks/warnings.ts"
import { capabilitiesOf, type Subject } from "./Subject.ts"

export { CheckFailed } from "./internal/checks/common.ts"
export type { Check, CheckGroup, CheckResult, CheckStatus, Plan } from "./internal/checks/common.ts"

/** Every check, in report order: per capability the validate hooks first, then behaviour, then HTTP, then secrets. @category checks */
export const checks: ReadonlyArray<Check> = [
  validateCheck("stt"),
  ...refusalChecks("stt"),
  refusesModelOptions("stt"),
  refusesValues("stt"),
  sttText,
  deltasCheck("stt"),
  sttLanguage,
  sttDuration,
  sttTimestamps,
  sttShape,
  sttSegments,
  sttUsage,
  wireCheck("stt"),
  lineEndsCheck("stt"),
  optionsCoverageCheck("stt"),
  requestFieldsCheck("stt"),
  latencyChecks.stt,
  sttTooLarge,
  sttStreamedUpload,
  sttUnsupported,
  sttUploadType,
  requestIdCheck("stt"),
  providerOutputCheck("stt"),
  warningsCheck("stt"),
  ...httpChecks("stt"),
  transportFailureCheck("stt"),
  deadlineCheck("stt"),
  unreadableBodyCheck("stt"),
  detailsCheck("stt"),
  secretsCheck("stt"),
  recordSecretsCheck("stt"),
  nothingOutlivesCheck("stt"),
  ...realtimeChecks,
  validateCheck("tts"),
  ...refusalChecks("tts"),
  refusesModelOptions("tts"),
  refusesValues("tts"),
  ttsStreaming,
  ttsEmptyText,
  ttsFormat,
  ttsDuration,
  ttsWords,
  ttsCharacters,
  ttsUsage,
  wireCheck("tts"),
  lineEndsCheck("tts"),
  optionsCoverageCheck("tts"),
  requestFieldsCheck("tts"),
  latencyChecks.tts,
  requestIdCheck("tts"),
  providerOutputCheck("tts"),
  warningsCheck("tts"),
  ...httpChecks("tts"),
  transportFailureCheck("tts"),
  deadlineCheck("tts"),
  unreadableBodyCheck("tts"),
  detailsCheck("tts"),
  secretsCheck("tts"),
  recordSecretsCheck("tts"),
  nothingOutlivesCheck("tts"),
  validateCheck("llm"),
  ...refusalChecks("llm"),
  refusesModelOptions("llm"),
  refusesValues("llm"),
  llmText,
  deltasCheck("llm"),
  llmToolCalls,
  llmMedia,
  llmUsage,
  wireCheck("llm"),
  lineEndsCheck("llm"),
  optionsCoverageCheck("llm"),
  requestIdCheck("llm"),
  providerOutputCheck("llm"),
  warningsCheck("llm"),
  ...httpChecks("llm"),
  transportFailureCheck("llm"),
  deadlineCheck("llm"),
  unreadableBodyCheck("llm"),
  detailsCheck("llm"),
  secretsCheck("llm"),
  recordSecretsCheck("llm"),
  nothingOutlivesCheck("llm"),
  validateCheck("image"),
  ...refusalChecks("image"),
  refusesModelOptions("image"),
  refusesValues("image"),
  imageBytes,
  imageUsage,
  wireCheck("image"),
  optionsCoverageCheck("image"),
  requestIdCheck("image"),
  providerOutputCheck("image"),
  warningsCheck("image"),
  ...httpChecks("image"),
  transportFailureCheck("image"),
  deadlineCheck("image"),
  unreadableBodyCheck("image"),
  detailsCheck("image"),
  secretsCheck("image"),
  recordSecretsCheck("image"),
  nothingOutlivesCheck("image"),
  validateCheck("embedding"),
  ...refusalChecks("embedding"),
  ...embeddingValidateChecks,
  ...embeddingBehaviourChecks,
  wireCheck("embedding"),
  ...httpChecks("embedding"),
  secretsCheck("embedding"),
  ...processChecks
]

/** The checks that apply to a subject: those of the capabilities it declares, then the process checks. */
export const checksFor = (subject: Subject): ReadonlyArray<Check> => {
  const declared = new Set<CheckGroup>([...capabilitiesOf(subject.provider), "process"])
  return checks.filter((c) => declared.has(c.group))
}

/** Looks a check up by id (`tts.format`). */
export const byId = (id: string): Check => {
  const found = checks.find((c) => c.id === id)
  if (found === undefined) throw new Error(`no check ${JSON.stringify(id)}; known: ${checks.map((c) => c.id).join(", ")}`)
  return found
}

/**
 * Plans and runs one check against a subject, never throwing: a failure, a defect inside the
 * check and a timeout all become a `fail` result with the reason.
 *
 * @category running
 */
export const runCheck = async (check: Check, subject: Subject): Promise<CheckResult> => {
  const plan = check.plan(subject)
  const base = { adapter: subject.name, group: check.group, check: check.name, title: check.title }
  if (plan._tag === "Skip") return { ...base, status: "skipped", detail: plan.reason, cassettes: [] }
  const cassettes = plan.cassettes.map((c) => c.name)
  const verdict = await Effect.runPromise(check.run(subject, plan.cassettes).pipe(
    Effect.timeoutOption(subject.timeoutMs),
    Effect.map((done): { status: CheckStatus; detail?: string } =>
      done._tag === "Some" ? { status: "pass" } : { status: "fail", detail: `the check did not finish within ${subject.timeoutMs} ms` }
    ),
    Effect.catchTag("CheckFailed", (e) => Effect.succeed({ status: "fail" as const, detail: e.message })),
    Effect.catchCause((cause) => Effect.succeed({ status: "fail" as const, detail: `the check itself died: ${Cause.pretty(cause)}` }))
  ))
  return { ...base, ...verdict, cassettes }
}

/** Runs every applicable check against a subject, one after the other. @category running */
export const runChecks = async (subject: Subject): Promise<ReadonlyArray<CheckResult>> => {
  const results: Array<CheckResult> = []
  for (const check of checksFor(subject)) results.push(await runCheck(check, subject))
  return results
}
