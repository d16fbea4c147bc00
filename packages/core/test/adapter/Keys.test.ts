/**
 * `loadApiKey` and `clientOnFirstUse`: the key is read when first needed, a missing or blank
 * one is `MissingApiKey`, the factory's key wins, and the key is remembered for redaction.
 */
import { expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Redacted } from "effect"
import { MissingApiKey, redactSecrets } from "../../src/index.ts"
import { clientOnFirstUse, loadApiKey } from "../../src/adapter/index.ts"

const VARIABLE = "PATCHBAY_KIT_TEST_API_KEY"
const withEnv = (env: Record<string, string>) => Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
const missing = new MissingApiKey({ provider: "acme", variable: VARIABLE })

it.effect("the factory's key wins over the environment, as a string or a Redacted value", () =>
  Effect.gen(function*() {
    const fromString = yield* loadApiKey({ provider: "acme", variable: VARIABLE, apiKey: "given-key-0001" }).pipe(withEnv({ [VARIABLE]: "env-key-0002" }))
    const fromRedacted = yield* loadApiKey({ provider: "acme", variable: VARIABLE, apiKey: Redacted.make("given-key-0003") })
    expect([Redacted.value(fromString), Redacted.value(fromRedacted)]).toEqual(["given-key-0001", "given-key-0003"])
  }))

it.effect("without a factory key the variable is read from the ambient ConfigProvider", () =>
  Effect.gen(function*() {
    const key = yield* loadApiKey({ provider: "acme", variable: VARIABLE }).pipe(withEnv({ [VARIABLE]: "configured-key-0004" }))
    expect(Redacted.value(key)).toBe("configured-key-0004")
  }))

it.effect("a missing or blank key is MissingApiKey naming the provider and the variable", () =>
  Effect.gen(function*() {
    expect(yield* Effect.flip(loadApiKey({ provider: "acme", variable: VARIABLE }).pipe(withEnv({})))).toEqual(missing)
    expect(yield* Effect.flip(loadApiKey({ provider: "acme", variable: VARIABLE }).pipe(withEnv({ [VARIABLE]: "  " })))).toEqual(missing)
    expect(yield* Effect.flip(loadApiKey({ provider: "acme", variable: VARIABLE, apiKey: "" }))).toEqual(missing)
  }))

it.effect("a key read is remembered: no message can show it afterwards", () =>
  Effect.gen(function*() {
    const secret = "plainword7f3kq9"
    expect(redactSecrets(`echo ${secret}`)).toBe(`echo ${secret}`)
    yield* loadApiKey({ provider: "acme", variable: VARIABLE, apiKey: secret })
    expect(redactSecrets(`echo ${secret}`)).toBe("echo [redacted]")
  }))

it.effect("the client is made on first use, once per key, and never without one", () =>
  Effect.gen(function*() {
    const made: Array<string> = []
    let key: string | undefined
    const client = clientOnFirstUse(
      Effect.suspend(() => (key === undefined ? Effect.fail(missing) : Effect.succeed(Redacted.make(key)))),
      (apiKey) => {
        made.push(apiKey)
        return { apiKey }
      }
    )
    expect(yield* Effect.flip(client)).toEqual(missing)
    expect(made).toEqual([])
    key = "first"
    const a = yield* client
    const b = yield* client
    key = "second"
    const c = yield* client
    expect([a === b, a.apiKey, c.apiKey, made]).toEqual([true, "first", "second", ["first", "second"]])
  }))
