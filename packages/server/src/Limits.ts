/**
 * The limits of the server (`limits` option): upload and JSON body sizes, JSON depth, header
 * size and how long a body may stay silent. Each has a default; all are bytes or milliseconds.
 *
 * @since 0.1.0
 */

/** What `limits` sets. */
export interface Limits {
  /** The largest upload when the STT model states no limit of its own (default 5 GB). */
  readonly maxUploadBytes: number
  /** The largest JSON body (default 1 MB). */
  readonly maxJsonBytes: number
  /** The deepest nesting of a JSON body (default 64). */
  readonly maxJsonDepth: number
  /** The largest request headers, names and values together (default 16 KB). */
  readonly maxHeaderBytes: number
  /** How long a request body may send nothing before the request fails with 408 (default 30 s). */
  readonly bodyIdleTimeoutMs: number
}

/** The defaults. */
export const defaultLimits: Limits = {
  maxUploadBytes: 5_000_000_000,
  maxJsonBytes: 1_048_576,
  maxJsonDepth: 64,
  maxHeaderBytes: 16_384,
  bodyIdleTimeoutMs: 30_000
}
