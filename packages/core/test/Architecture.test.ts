/**
 * The import rules of docs/architecture.md, checked against every `src/` file of the workspace:
 * which of our packages each package may import. A new import across packages that the page
 * does not allow fails here, so the page and the code cannot drift apart.
 */
import { readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../../..")

/** What each package's `src/` may import of ours (the package itself aside). */
const allowed: Readonly<Record<string, ReadonlyArray<string>>> = {
  "@patchbay/audio": [],
  "@patchbay/core": ["@patchbay/audio"],
  "@patchbay/openai": ["@patchbay/core"],
  "@patchbay/elevenlabs": ["@patchbay/core"],
  "@patchbay/local": ["@patchbay/core"],
  "@patchbay/ai-sdk": ["@patchbay/core"],
  "@patchbay/openrouter": ["@patchbay/core", "@patchbay/ai-sdk"],
  "@patchbay/conformance": ["@patchbay/core"],
  "@patchbay/sql": ["@patchbay/core"],
  "@patchbay/s3": ["@patchbay/core"],
  "@patchbay/api": ["@patchbay/core"],
  "@patchbay/server": ["@patchbay/core", "@patchbay/api"],
  "@patchbay/client": ["@patchbay/core", "@patchbay/api"],
  "@patchbay/cli": [
    "@patchbay/core",
    "@patchbay/conformance",
    "@patchbay/openai",
    "@patchbay/elevenlabs",
    "@patchbay/openrouter",
    "@patchbay/local",
    "@patchbay/server",
    "@patchbay/client",
    "@patchbay/sql"
  ]
}

const packageDirs = ["packages", "adapters"]
  .flatMap((dir) => readdirSync(path.join(root, dir)).map((name) => path.join(dir, name)))
  .concat("conformance")
  .filter((dir) => {
    try {
      readFileSync(path.join(root, dir, "package.json"))
      return true
    } catch {
      return false
    }
  })

const sourceFiles = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : entry.name.endsWith(".ts") ? [path.join(dir, entry.name)] : []
  )

/** The packages of ours a source file imports, statically or dynamically (comments aside). */
const importsOf = (text: string): Array<string> => {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
  const specifiers = [...code.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)"(@patchbay\/[a-z0-9-]+)(?:\/[^"]*)?"/gm)].map((m) => m[1]!)
  return [...new Set(specifiers)]
}

describe("the import rules of docs/architecture.md", () => {
  const names = packageDirs.map((dir) => JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8")).name as string)

  it("name every package of the workspace", () => {
    expect([...names].sort()).toEqual(Object.keys(allowed).sort())
  })

  for (const [index, dir] of packageDirs.entries()) {
    const name = names[index]!
    it(`${name} imports only what it may`, () => {
      const found = new Map<string, Array<string>>()
      for (const file of sourceFiles(path.join(root, dir, "src"))) {
        for (const imported of importsOf(readFileSync(file, "utf8"))) {
          if (imported === name) continue
          found.set(imported, [...(found.get(imported) ?? []), path.relative(root, file)])
        }
      }
      const forbidden = [...found].filter(([imported]) => !(allowed[name] ?? []).includes(imported))
      expect(forbidden).toEqual([])
    })
  }

  it("only @patchbay/s3 loads the AWS SDK, so core and everything else never pull it in", () => {
    const importers = packageDirs.flatMap((dir, index) =>
      sourceFiles(path.join(root, dir, "src"))
        .filter((file) => /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)"@aws-sdk\//m.test(readFileSync(file, "utf8")))
        .map(() => names[index]!)
    )
    expect([...new Set(importers)]).toEqual(["@patchbay/s3"])
    const manifests = packageDirs.flatMap((dir, index) => {
      const manifest = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8")) as { readonly dependencies?: Record<string, string> }
      return Object.keys(manifest.dependencies ?? {}).some((dep) => dep.startsWith("@aws-sdk/")) ? [names[index]!] : []
    })
    expect(manifests).toEqual(["@patchbay/s3"])
  })

  it("@patchbay/cli takes only the cassette entry of @patchbay/conformance, which loads no test runner", () => {
    const cli = sourceFiles(path.join(root, "packages/cli/src")).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/"(@patchbay\/conformance[^"]*)"/g)].map((m) => m[1]!)
    )
    expect(cli.length).toBeGreaterThan(0)
    expect([...new Set(cli)]).toEqual(["@patchbay/conformance/cassette"])
  })

  it("@patchbay/api takes only the Node-free schema entry of @patchbay/core, and no node: module", () => {
    const files = sourceFiles(path.join(root, "packages/api/src"))
    const core = files.flatMap((file) => [...readFileSync(file, "utf8").matchAll(/"(@patchbay\/core[^"]*)"/g)].map((m) => m[1]!))
    expect([...new Set(core)]).toEqual(["@patchbay/core/schema"])
    expect(files.filter((file) => /from\s+"node:/.test(readFileSync(file, "utf8")))).toEqual([])
  })

  it("reads static, dynamic and re-exporting imports, and skips comments", () => {
    expect(importsOf([
      `import { a } from "@patchbay/core"`,
      `export * from "@patchbay/audio/Join"`,
      `const m = await import("@patchbay/openai")`,
      `import "@patchbay/local"`,
      `// import { b } from "@patchbay/elevenlabs"`,
      ` * import { c } from "@patchbay/openrouter"`.replace(" *", "/**") + " */"
    ].join("\n"))).toEqual(["@patchbay/core", "@patchbay/audio", "@patchbay/openai", "@patchbay/local"])
  })
})
