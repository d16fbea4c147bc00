/**
 * What loading the client loads: its entry is imported in a fresh Node process whose resolve
 * hook records every module, so the check sees the real graph (type-only imports erased, as at
 * run time) rather than the import lines of its sources.
 */
import { spawnSync } from "node:child_process"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../../..")
const entry = pathToFileURL(path.resolve(import.meta.dirname, "../src/index.ts")).href

/** Every import made while loading the client's entry, in a process of its own: what was loaded, and by which module. */
const loaded = (): ReadonlyArray<{ readonly url: string; readonly parent: string }> => {
  const script = [
    `import { registerHooks } from "node:module"`,
    `const seen = []`,
    `registerHooks({ resolve: (specifier, context, next) => { const resolved = next(specifier, context); seen.push({ url: resolved.url, parent: context.parentURL ?? "" }); return resolved } })`,
    `await import(${JSON.stringify(entry)})`,
    `process.stdout.write(JSON.stringify(seen))`
  ].join("\n")
  const child = spawnSync(process.execPath, ["--input-type=module", "--no-warnings", "-e", script], { cwd: root, encoding: "utf8" })
  expect(child.stderr).toBe("")
  expect(child.status).toBe(0)
  return JSON.parse(child.stdout) as ReadonlyArray<{ readonly url: string; readonly parent: string }>
}

describe("the client's import graph", () => {
  const imports = loaded()
  const urls = [...new Set(imports.map((i) => i.url))]
  const ours = urls.filter((url) => url.startsWith(pathToFileURL(root).href)).map((url) => path.relative(root, new URL(url).pathname))

  it("has the client, the API declaration and core's schema modules in it", () => {
    expect(ours).toContain("packages/client/src/Client.ts")
    expect(ours).toContain("packages/api/src/Api.ts")
    expect(ours).toContain("packages/core/src/schema.ts")
  })

  it("has no node:sqlite, and no module of ours imports a node: module", () => {
    expect(urls).not.toContain("node:sqlite")
    const fromOurs = imports.filter((i) => i.url.startsWith("node:") && i.parent.startsWith(pathToFileURL(root).href) && !i.parent.includes("/node_modules/"))
    expect(fromOurs).toEqual([])
  })

  it("has no module of the server, the stores, the adapters, or core's pipeline and facade", () => {
    const workspace = ours.filter((file) => !file.includes("node_modules"))
    expect(workspace.filter((file) => /^(?:packages\/(?:server|sql|s3|cli|conformance)|adapters)\//.test(file))).toEqual([])
    expect(workspace.filter((file) => /^packages\/core\/src\/(?:index|Patchbay|Pipeline|Stores|MediaStore)\.ts$/.test(file))).toEqual([])
    // core's schema entry takes @patchbay/audio (the container names of the catalogue's models)
    expect([...new Set(workspace.map((file) => file.split("/").slice(0, 2).join("/")))].sort()).toEqual([
      "packages/api",
      "packages/audio",
      "packages/client",
      "packages/core"
    ])
  })
})
