/**
 * The memory benchmark's data set (`bench/memory/dataset.json`, whose figures docs/memory.md
 * quotes, on these stores) is exactly what its generator writes: `generate.ts --check` rebuilds
 * it from the fixed seed and compares byte for byte, so an edit to one without the other fails
 * here rather than silently changing the benchmark.
 */
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

it("bench/memory/dataset.json is what bench/memory/generate.ts produces", () => {
  const generator = fileURLToPath(new URL("../../../bench/memory/generate.ts", import.meta.url))
  const output = execFileSync(process.execPath, [generator, "--check"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
  expect(output.trim()).toBe("bench/memory/dataset.json is current")
}, 60_000)
