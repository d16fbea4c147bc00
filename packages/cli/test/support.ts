/**
 * Running `patchbay` in-process for tests: no network, no keys (the vendors' key variables are
 * removed from this process's environment, and each run gets an environment of its own), a
 * fresh temporary working directory, and stdout/stderr captured.
 */
import { MissingApiKey, type PatchbayProvider } from "@patchbay/core"
import { FakeImage, FakeLlm, FakeStt, FakeTts, fakeProvider } from "@patchbay/core/testing"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { main } from "../src/Main.ts"
import { bufferWriter } from "../src/Output.ts"

/** The key variables, cleared so that nothing here can reach a vendor. */
export const KEY_VARIABLES = ["OPENAI_API_KEY", "ELEVENLABS_API_KEY", "OPENROUTER_API_KEY", "PATCHBAY_LIVE", "PATCHBAY_RECORD"] as const
for (const name of KEY_VARIABLES) delete process.env[name]

/** A fresh temporary directory. */
export const tempDir = (prefix = "patchbay-cli-"): string => mkdtempSync(path.join(tmpdir(), prefix))

/** What one run printed, and its exit code. */
export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly stdoutBytes: Uint8Array
  readonly cwd: string
}

/** Options of {@link cli}. */
export interface CliOptions {
  readonly cwd?: string
  readonly env?: Record<string, string>
  readonly providers?: ReadonlyArray<PatchbayProvider>
  readonly fetch?: typeof fetch
  readonly tty?: boolean
}

/** Runs `patchbay <argv>` in-process. */
export const cli = async (argv: ReadonlyArray<string>, options: CliOptions = {}): Promise<Ran> => {
  const stdout = bufferWriter(options.tty ?? false)
  const stderr = bufferWriter(options.tty ?? false)
  const cwd = options.cwd ?? tempDir()
  const noNetwork: typeof fetch = () => Promise.reject(new Error("the tests never reach the network"))
  const code = await main(argv, {
    stdout,
    stderr,
    env: options.env ?? {},
    cwd,
    fetch: options.fetch ?? noNetwork,
    ...(options.providers === undefined ? {} : { providers: options.providers })
  })
  return { code, stdout: stdout.text(), stderr: stderr.text(), stdoutBytes: stdout.bytes(), cwd }
}

/** A fake vendor with every capability, under the id `fake` (models `fake-stt`, `fake-tts`, `fake-llm`, `fake-image`). */
export const fakes = (options: { readonly transcript?: string; readonly reply?: string } = {}): PatchbayProvider =>
  fakeProvider({
    id: "fake",
    stt: FakeStt({ transcript: options.transcript ?? "What is the tallest mountain?", streaming: { deltaInterval: "1 millis" } }),
    tts: FakeTts({ chunks: 3 }),
    llm: FakeLlm({
      reply: (request) =>
        request.tools?.some((t) => t.function.name === "generate_image") === true
          ? request.messages.at(-1)?.role === "tool"
            ? "Here is your robot."
            : [{ type: "tool_call", tool_call: { id: "call_1", type: "function", function: { name: "generate_image", arguments: "{\"prompt\":\"a robot\"}" } } }]
          : options.reply ?? "Mount Everest. It is very tall."
    }),
    image: FakeImage()
  })

/** A fake vendor `nokey` whose every call fails as a missing key does. */
export const keyless = (): PatchbayProvider => {
  const missing = new MissingApiKey({ provider: "nokey", variable: "NOKEY_API_KEY" })
  return fakeProvider({ id: "nokey", stt: FakeStt({ failures: [missing] }), tts: FakeTts({ failures: [missing] }) })
}
