/** Runs an example under `packages/core/examples/` as a user would, from the repo root. */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { expect } from "vitest"

const exec = promisify(execFile)
const root = fileURLToPath(new URL("../../../../", import.meta.url))

/** The example's printed lines; its stderr must be empty. */
export const runExample = async (name: string): Promise<Array<string>> => {
  const { stdout, stderr } = await exec(process.execPath, [`packages/core/examples/${name}.ts`], {
    cwd: root,
    env: { ...process.env, PATCHBAY_MEDIA_SECRET: "" },
    // A generous cap: a loaded 2-core machine starting several examples at once takes seconds each.
    timeout: 120_000
  })
  expect(stderr).toBe("")
  return stdout.trimEnd().split("\n")
}
