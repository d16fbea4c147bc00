/**
 * The memory benchmark's data set (`bench/memory/dataset.json`, whose figures docs/memory.md
 * quotes, on these stores) is exactly what its generator writes: `generate.ts --check` rebuilds
 * it from the fixed seed and compares byte for byte, so an edit to one without the other fails
 * here rather than silently changing the benchmark.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

it("bench/memory/dataset.json is what bench/memory/generate.ts produces", async () => {
  const generator = fileURLToPath(new URL("../../../bench/memory/generate.ts", import.meta.url))
  // run beside the test's event loop, not blocking it (vitest's worker keeps talking to it)
  const { stdout } = await promisify(execFile)(process.execPath, [generator, "--check"], { encoding: "utf8" })
  expect(stdout.trim()).toBe("bench/memory/dataset.json is current")
}, 60_000)
