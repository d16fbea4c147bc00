import { expect, it } from "vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

const run = promisify(execFile)

it("the quickstart example runs and prints what the README promises", async () => {
  const example = fileURLToPath(new URL("../examples/quickstart.ts", import.meta.url))
  const { stdout } = await run(process.execPath, [example], { env: { ...process.env, PATCHBAY_MEDIA_SECRET: "" } })
  const lines = stdout.trim().split("\n")
  expect(lines[0]).toBe("audio: mp3, 21312 bytes, 2.66 s")
  expect(lines[1]).toBe("valid: stages stt → llm → tts, tts format mp3_24000")
  expect(lines[2]).toBe(
    "refused: InvalidRequest: Invalid request (acme) at voice.tts.voice: acme-speak-1 has no voice \"alloy\"; allowed: \"ada\", \"grace\""
  )
  expect(lines[3]).toBe("media: doc_… served 200 audio/mpeg, tampered link 403")
  expect(lines).toHaveLength(4)
}, 30_000)
