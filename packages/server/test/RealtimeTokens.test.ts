/**
 * Realtime tokens on effect's `TestClock`: valid until their expiry and for one use, then
 * `Unauthorized` (`token`); the table forgets expired tokens as new ones are issued.
 */
import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { layerTokens, RealtimeTokens } from "../src/Realtime.ts"

it.effect("a token redeems once for its tenant, within its time", () =>
  Effect.gen(function*() {
    const tokens = yield* RealtimeTokens
    const issued = yield* tokens.issue("acme")
    expect(issued.expires_in).toBe(30)
    expect(issued.expires_at).toBe(new Date(30_000).toISOString())
    yield* TestClock.adjust("29999 millis")
    expect(yield* tokens.redeem(issued.token)).toBe("acme")
    const again = yield* Effect.flip(tokens.redeem(issued.token))
    expect(again).toMatchObject({ _tag: "Unauthorized", reason: "token" })
  }).pipe(Effect.provide(layerTokens({ ttlSeconds: 30 }))))

it.effect("an expired token is refused, unused or not", () =>
  Effect.gen(function*() {
    const tokens = yield* RealtimeTokens
    const issued = yield* tokens.issue("acme")
    yield* TestClock.adjust("30 seconds")
    const expired = yield* Effect.flip(tokens.redeem(issued.token))
    expect(expired.message).toBe("Invalid realtime token: it is unknown, expired or already used; ask POST /realtime/tokens for a new one")
    const other = yield* tokens.issue("globex")
    expect(yield* tokens.redeem(other.token)).toBe("globex")
  }).pipe(Effect.provide(layerTokens({ ttlSeconds: 30 }))))
