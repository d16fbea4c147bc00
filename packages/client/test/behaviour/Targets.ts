/**
 * The two things the behaviour suite runs against, built from the same scripted fakes: core's
 * `createPatchbay` in process, and `createClient` calling a real server (`toNodeHandler` on a
 * `node:http` server on a 127.0.0.1 ephemeral port, in-memory stores, a key made in process).
 */
import { createKey, createPatchbay, CurrentTenant, type Patchbay, Stores } from "@patchbay/core"
import {
  FakeImage,
  FakeLlm,
  type FakeLlmOptions,
  fakeProvider,
  FakeRealtimeStt,
  type FakeSttOptions,
  FakeTts,
  type FakeTtsOptions
} from "@patchbay/core/testing"
import { type ServerOptions, toNodeHandler } from "@patchbay/server"
import { Effect } from "effect"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { createClient } from "../../src/index.ts"

/** How a case scripts the fakes. */
export interface Script {
  readonly llm?: FakeLlmOptions
  readonly stt?: FakeSttOptions
  readonly tts?: FakeTtsOptions
}

/** A `Patchbay` under test, and the fakes behind it (in this process either way). */
export interface Target {
  readonly pb: Patchbay
  readonly fakes: { readonly llm: FakeLlm; readonly stt: FakeRealtimeStt; readonly tts: FakeTts; readonly image: FakeImage }
  readonly dispose: () => Promise<void>
}

/** Makes a target for one case. */
export type MakeTarget = (script?: Script) => Promise<Target>

const mediaSecret = "test-media-secret-0123456789abcdef"

/** The fakes and the options both sides are built from. */
const options = (script: Script) => {
  // The STT fake transcribes files (its batch side, scripted by `script.stt`) and listens live.
  const fakes = { llm: FakeLlm(script.llm), stt: FakeRealtimeStt(script.stt === undefined ? {} : { batch: script.stt }), tts: FakeTts(script.tts), image: FakeImage() }
  const common = {
    providers: [fakeProvider(fakes)],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media: { secret: mediaSecret },
    settings: { retry: { times: 0 } }
  }
  return { fakes, common }
}

/** `createPatchbay` in this process. */
export const inProcess: MakeTarget = async (script = {}) => {
  const { fakes, common } = options(script)
  const pb = createPatchbay(common)
  return { pb, fakes, dispose: () => pb.dispose() }
}

/** `createClient` over HTTP, against a server on a loopback port over the same fakes. */
export const overHttp: MakeTarget = async (script = {}) => {
  const { fakes, common } = options(script)
  const stores = Stores.makeMemory()
  const key = await Effect.runPromise(createKey({ name: "behaviour" }).pipe(Effect.provide(stores), Effect.provideService(CurrentTenant, "acme")))
  const node = toNodeHandler({ ...common, stores } satisfies ServerOptions)
  await node.ready
  const server: Server = createServer(node.handler)
  server.on("upgrade", node.upgrade)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const pb = createClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: key.plaintext })
  return {
    pb,
    fakes,
    dispose: async () => {
      await pb.dispose()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await node.dispose()
    }
  }
}
