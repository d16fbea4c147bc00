/**
 * `createTestPatchbay`: the async facade with the hooks tests and replayed demos need and
 * production must not have — repeatable document ids, which are guessable.
 */
import { make, type Patchbay, type PatchbayOptions } from "../Patchbay.ts"

/** Options of {@link createTestPatchbay}: those of `createPatchbay`, and the test hooks. */
export interface TestPatchbayOptions extends PatchbayOptions {
  /**
   * Makes each stored document's id, e.g. a counter, so a test or a replayed demo sees the same
   * ids on every run. Each id must be `doc_` and 24 base64url characters.
   */
  readonly makeDocumentId?: (() => string) | undefined
}

/**
 * `createPatchbay` with test hooks.
 *
 * @example
 * ```ts
 * let n = 0
 * const pb = createTestPatchbay({ providers, makeDocumentId: () => `doc_test${String(++n).padStart(20, "0")}` })
 * ```
 * @category constructors
 */
export const createTestPatchbay = ({ makeDocumentId, ...options }: TestPatchbayOptions): Patchbay =>
  make(options, makeDocumentId === undefined ? {} : { makeDocumentId })
