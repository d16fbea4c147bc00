/**
 * Deliberately broken variants of the Acme Live realtime adapter (`AcmeRealtime.ts`), each with
 * one bug a realtime adapter can ship. `SelfTestRealtime.test.ts` proves that the battery catches
 * each one with the named realtime check, and only that one.
 */
import type { MakeProvider } from "../../src/index.ts"
import { acmeLive } from "./AcmeRealtime.ts"

export { disposeKeepAlives } from "./AcmeRealtime.ts"

/** The adapter as it is. */
export const goodLive: MakeProvider = (options) => acmeLive(options)

/** Buffers the partials and hands them over when the input ends ("to emit them in one go"). */
export const holdsPartials: MakeProvider = (options) => acmeLive(options, { holdsPartials: true })

/** Takes the utterance's last partial for its committed text, dropping the vendor's final wording. */
export const commitsLastPartial: MakeProvider = (options) => acmeLive(options, { commitsLastPartial: true })

/** Reports every vendor error message as ProviderUnavailable (so everything gets retried). */
export const genericErrors: MakeProvider = (options) => acmeLive(options, { genericErrors: true })

/** Closes the socket when the session ends or fails, but not when the stream is interrupted. */
export const keepsSocketOnInterrupt: MakeProvider = (options) => acmeLive(options, { keepsSocketOnInterrupt: true })

/** Starts a keep-alive timer with each session and never clears it: the process cannot exit. */
export const leavesKeepAlive: MakeProvider = (options) => acmeLive(options, { leavesKeepAlive: true })

/** Opens the socket first and validates the session afterwards. */
export const connectsFirst: MakeProvider = (options) => acmeLive(options, { connectsFirst: true })
