/**
 * `pnpm new:adapter <name>` (scripts/new-adapter.ts): the skeleton it writes follows the
 * workspace's conventions — the same package.json shape and toolchain versions as the adapters
 * beside it — and type-checks under the workspace's strict settings as written.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { factoryName, generateAdapter, keyVariableOf } from "../../scripts/new-adapter.ts"

const conformanceDir = fileURLToPath(new URL("..", import.meta.url))
const repository = path.resolve(conformanceDir, "..")
// Inside the conformance package, so the skeleton resolves `@patchbay/core`, effect and vitest
// from its node_modules as it will from its own after `pnpm install`.
const root = mkdtempSync(path.join(conformanceDir, ".new-adapter-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>

describe("pnpm new:adapter", () => {
  const made = generateAdapter({ name: "acme-voice", root })
  const dir = path.join(root, "adapters/acme-voice")

  it("derives one factory name and one key variable from the name", () => {
    expect(factoryName("acme-voice")).toBe("acmeVoice")
    expect(keyVariableOf("acme-voice")).toBe("ACME_VOICE_API_KEY")
    expect(made).toEqual({
      packageName: "@patchbay/acme-voice",
      factory: "acmeVoice",
      keyVariable: "ACME_VOICE_API_KEY",
      files: [
        "adapters/acme-voice/package.json",
        "adapters/acme-voice/vitest.config.ts",
        "adapters/acme-voice/tsconfig.build.json",
        "adapters/acme-voice/README.md",
        "adapters/acme-voice/CHANGELOG.md",
        "adapters/acme-voice/src/index.ts",
        "adapters/acme-voice/test/acme-voice.conformance.test.ts",
        "adapters/acme-voice/test/cassettes/.gitkeep",
        ".changeset/acme-voice-adapter.md"
      ]
    })
    for (const file of made.files) expect(existsSync(path.join(root, file))).toBe(true)
  })

  it("writes a package.json shaped like the workspace's adapters, with their toolchain versions", () => {
    const written = readJson(path.join(dir, "package.json"))
    const sibling = readJson(path.join(repository, "adapters/openai/package.json"))
    expect(written.name).toBe("@patchbay/acme-voice")
    expect(written.version).toBe("0.0.0")
    for (const field of ["license", "type", "sideEffects", "engines", "exports", "publishConfig", "files", "scripts"]) {
      expect([field, written[field]]).toEqual([field, sibling[field]])
    }
    expect(written.peerDependencies).toEqual({ "@patchbay/core": "workspace:^", effect: "^4.1.0" })
    const siblingDev = sibling.devDependencies as Record<string, string>
    const dev = written.devDependencies as Record<string, string>
    expect(Object.keys(dev)).toEqual(["@effect/vitest", "@patchbay/conformance", "@patchbay/core", "@types/node", "effect", "typescript", "vitest"])
    for (const [dependency, version] of Object.entries(dev)) expect([dependency, version]).toEqual([dependency, siblingDev[dependency]])
    expect(readJson(path.join(dir, "tsconfig.build.json"))).toEqual(readJson(path.join(repository, "adapters/openai/tsconfig.build.json")))
    expect(readFileSync(path.join(dir, "vitest.config.ts"), "utf8")).toContain(`name: "@patchbay/acme-voice"`)
    expect(readFileSync(path.join(root, ".changeset/acme-voice-adapter.md"), "utf8")).toMatch(/^---\n"@patchbay\/acme-voice": minor\n---\n/)
  })

  it("writes sources that type-check under the workspace's strict settings", () => {
    writeFileSync(
      path.join(root, "tsconfig.json"),
      JSON.stringify({
        extends: path.join(repository, "tsconfig.base.json"),
        compilerOptions: { noEmit: true, paths: { "@patchbay/conformance": [path.join(conformanceDir, "src/index.ts")] } },
        include: ["adapters/*/src", "adapters/*/test", "adapters/*/vitest.config.ts"]
      })
    )
    const tsc = path.join(repository, "node_modules/typescript/bin/tsc")
    const run = () => execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" })
    expect(run).not.toThrow()
  }, 60_000)

  it("refuses a bad name and an existing folder, writing nothing", () => {
    expect(() => generateAdapter({ name: "Acme_Voice", root })).toThrow(/kebab-case/)
    expect(() => generateAdapter({ name: "acme-voice", root })).toThrow(/adapters\/acme-voice exists already/)
    expect(existsSync(path.join(root, "adapters/Acme_Voice"))).toBe(false)
  })
})
