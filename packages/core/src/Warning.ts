/**
 * `Warning`: something the caller should know that did not stop the run (history trimmed to the
 * context window, an option ignored, a fallback used). On `MessageResponse`, `run_ended` and
 * stored runs as `warnings: [{ code, message }]`.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"

/** @category schemas */
export const Warning = Schema.Struct({
  /** A stable, machine-readable code, e.g. `history_trimmed`. */
  code: Schema.String,
  message: Schema.String
})
export type Warning = typeof Warning.Type
