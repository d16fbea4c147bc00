/**
 * The exit codes docs/cli.md documents, one case each: 2 when the command line itself is wrong
 * (found before anything runs), 1 when the command failed while running (a file, a provider, a
 * format, a key, a vendor), 0 on success.
 */
import { describe, expect, it } from "vitest"
import { questionFile } from "../src/Demo.ts"
import { cli, fakes, keyless } from "./support.ts"

const providers = [fakes(), keyless()]

/** A command line, what it stands for, and the exit code documented for it. */
const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, number]> = [
  ["success", ["transcribe", questionFile, "--stt", "fake/fake-stt"], 0],
  ["--version", ["--version"], 0],
  ["no command", [], 2],
  ["an unknown command", ["frobnicate"], 2],
  ["an unknown option", ["transcribe", questionFile, "--bogus"], 2],
  ["a missing argument", ["transcribe"], 2],
  ["a model not written provider/model", ["transcribe", questionFile, "--stt", "whisper-1"], 2],
  ["an unknown demo section", ["demo", "99"], 2],
  ["--json with -o -", ["say", "Hi.", "--json", "-o", "-"], 2],
  ["an unknown provider", ["transcribe", questionFile, "--stt", "acme/listen-1"], 1],
  ["a missing file", ["transcribe", "nope.mp3", "--stt", "fake/fake-stt"], 1],
  ["a format the model does not produce", ["say", "Hi.", "--tts", "fake/fake-tts", "--voice", "ada", "--format", "mp5"], 1],
  ["a missing key", ["transcribe", questionFile, "--stt", "nokey/fake-stt"], 1]
]

describe("exit codes", () => {
  for (const [what, argv, code] of cases) {
    it(`${what}: ${code}`, async () => {
      const ran = await cli(argv, { providers })
      expect(ran.code, ran.stderr).toBe(code)
      if (code === 2) expect(ran.stderr).toMatch(/\[UsageError\]|^Usage: patchbay/m)
      if (code === 1) expect(ran.stderr).not.toContain("[UsageError]")
    })
  }
})
