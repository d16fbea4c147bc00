/**
 * `pnpm new:adapter <name>`: writes the skeleton of a new adapter package, following the
 * workspace's conventions, so a third party's first adapter starts from what the battery and
 * the build expect instead of a copy of another adapter:
 *
 *   adapters/<name>/package.json          `exports` → src (the workspace runs sources), `publishConfig.exports` → dist,
 *                                         `@patchbay/core` and `effect` as peers, the toolchain's versions as dev dependencies
 *   adapters/<name>/vitest.config.ts      the package's vitest project (the root config finds it)
 *   adapters/<name>/tsconfig.build.json   the build of `dist/` for publishing
 *   adapters/<name>/README.md, CHANGELOG.md
 *   adapters/<name>/src/index.ts          the factory (`<name>` in camelCase) and `layer(options)`
 *   adapters/<name>/test/<name>.conformance.test.ts   the battery, one call
 *   adapters/<name>/test/cassettes/       empty (a `.gitkeep`): the battery skips every check until cassettes come
 *   .changeset/<name>-adapter.md          the changeset announcing the package
 *
 * It refuses a name that is not lower-case kebab-case and a folder that exists. Afterwards run
 * `pnpm install` and commit `pnpm-lock.yaml` with the package: `./scripts/dev` installs with
 * `--frozen-lockfile`, which fails on a package the lockfile does not list.
 *
 * Usage: `node scripts/new-adapter.ts <name> [--root <repository root>]`
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** What {@link generateAdapter} needs: the adapter's name and the repository root to write under. */
export interface NewAdapterOptions {
  /** Lower-case kebab-case: the package is `@patchbay/<name>`, the provider id `<name>`. */
  readonly name: string
  /** The repository root: `adapters/` and `.changeset/` are written under it. */
  readonly root: string
  /** The `package.json` whose dev dependencies give the toolchain's versions; this repository's root one by default. */
  readonly versionsFrom?: string | undefined
}

/** What was written, as paths relative to the root, and the names derived from the adapter's name. */
export interface NewAdapter {
  readonly files: ReadonlyArray<string>
  readonly packageName: string
  readonly factory: string
  readonly keyVariable: string
}

/** This repository's root: the script lives in `scripts/`. */
const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

/** `acme-voice` → `acmeVoice`. */
export const factoryName = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** `acme-voice` → `ACME_VOICE_API_KEY`. */
export const keyVariableOf = (name: string): string => `${name.toUpperCase().replace(/-/g, "_")}_API_KEY`

/** `acme-voice` → `AcmeVoice`. */
const typeName = (name: string): string => {
  const camel = factoryName(name)
  return camel.charAt(0).toUpperCase() + camel.slice(1)
}

const TOOLCHAIN = ["@effect/vitest", "@types/node", "effect", "typescript", "vitest"] as const

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

const packageJson = (name: string, versions: Readonly<Record<string, string>>) => {
  const dev: Record<string, string> = { "@patchbay/conformance": "workspace:^", "@patchbay/core": "workspace:^" }
  for (const dependency of TOOLCHAIN) {
    const version = versions[dependency]
    if (version === undefined) throw new Error(`the root package.json has no devDependency ${dependency}: cannot pin the toolchain`)
    dev[dependency] = version
  }
  return {
    name: `@patchbay/${name}`,
    version: "0.0.0",
    description: `${typeName(name)} for Patchbay.`,
    license: "MIT",
    type: "module",
    sideEffects: false,
    engines: { node: "^22.19.0 || ^24" },
    exports: { ".": "./src/index.ts", "./package.json": "./package.json" },
    publishConfig: {
      access: "public",
      exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./package.json": "./package.json" }
    },
    files: ["dist", "src", "README.md", "CHANGELOG.md"],
    scripts: { build: "tsc -p tsconfig.build.json", test: "vitest run" },
    peerDependencies: { "@patchbay/core": "workspace:^", effect: `^${versions.effect}` },
    devDependencies: Object.fromEntries(Object.entries(dev).sort(([a], [b]) => a.localeCompare(b)))
  }
}

const vitestConfig = (name: string) => `import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/${name}",
    include: ["test/**/*.test.ts"]
  }
})
`

const tsconfigBuild = json({
  extends: "../../tsconfig.base.json",
  compilerOptions: { rootDir: "src", outDir: "dist", noEmit: false },
  include: ["src"]
})

const readme = (name: string) => {
  const factory = factoryName(name)
  return `# @patchbay/${name}

${typeName(name)} for Patchbay.

\`\`\`ts
import { createPatchbay } from "@patchbay/core"
import { ${factory} } from "@patchbay/${name}"

const pb = createPatchbay({ providers: [${factory}()] }) // ${keyVariableOf(name)}, read on first use
\`\`\`

- \`${factory}({ apiKey?, baseURL?, fetch? })\` (id \`"${name}"\`) never throws: a missing key fails the
  first call with \`MissingApiKey\`, before any request.
- \`layer(options)\` registers it in the \`ProviderRegistry\` for Effect users.

## Conformance

\`pnpm exec vitest run\` in this folder runs the shared battery on the cassettes of
\`test/cassettes/\` (see \`docs/adapters/authoring.md\`). Re-record the success cassettes from the
live API with \`PATCHBAY_RECORD=1 ${keyVariableOf(name)}=… pnpm exec vitest run test/${name}.conformance.test.ts\`.
`
}

const index = (name: string) => {
  const factory = factoryName(name)
  const type = typeName(name)
  return `/**
 * \`${factory}()\`: a Patchbay adapter for ${type}. The plumbing — the key, abortable requests,
 * error mapping, bodies, server-sent events — is \`@patchbay/core/adapter\`'s (see
 * \`docs/adapters/authoring.md\`); what belongs here is what is about ${type}: its catalogue
 * (\`Models.ts\`), its options (\`Options.ts\`), its wire schemas (\`Wire.ts\`) and a module per
 * capability (\`Transcription.ts\`, \`Speech.ts\`, \`Chat.ts\`, \`Image.ts\`).
 *
 * @example
 * \`\`\`ts
 * const provider = ${factory}()                  // key from ${keyVariableOf(name)}, read on first use
 * const replayed = ${factory}({ fetch, apiKey }) // what the conformance battery does
 * \`\`\`
 */
import { type InvalidRequest, type ModelInfo, type PatchbayProvider, ProviderRegistry } from "@patchbay/core"
import { type HttpAdapterOptions, makeHttpClient } from "@patchbay/core/adapter"
import type { Layer } from "effect"

/** The provider's id, and the key of its \`provider_options\`. */
export const PROVIDER = "${name}"

/** The factory's options: \`apiKey\` (default: \`${keyVariableOf(name)}\`, read on first use), \`baseURL\`, \`fetch\`. */
export type ${type}Options = HttpAdapterOptions

/** The models the adapter offers, with their limits and formats. */
export const models: ReadonlyArray<ModelInfo> = []

/** Builds the ${type} provider. Never throws: a missing key fails the first call with \`MissingApiKey\`. */
export const ${factory} = (options: ${type}Options = {}): PatchbayProvider => {
  const client = makeHttpClient({
    provider: PROVIDER,
    options,
    keyVariable: "${keyVariableOf(name)}",
    defaultBaseURL: "https://api.${name}.example/v1" // the vendor's API root
  })
  return {
    id: PROVIDER,
    models,
    // stt: Transcription.make(client), tts: Speech.make(client), llm: Chat.make(client), image: Image.make(client)
    credentials: client.credentials
  }
}

/**
 * A layer that adds \`${factory}(options)\` to the \`ProviderRegistry\` in context.
 *
 * @category layers
 */
export const layer = (options: ${type}Options = {}): Layer.Layer<never, InvalidRequest, ProviderRegistry> =>
  ProviderRegistry.register(${factory}(options))
`
}

const batteryTest = (name: string) => `/**
 * The conformance battery on the ${typeName(name)} adapter, replaying the cassettes of
 * \`./cassettes/\`: offline and without a key. A check without its cassettes is skipped, with the reason.
 */
import { runConformance } from "@patchbay/conformance"
import { ${factoryName(name)} } from "../src/index.ts"

runConformance({
  name: "${name}",
  make: ({ fetch, apiKey }) => ${factoryName(name)}({ fetch, apiKey }),
  cassettes: new URL("./cassettes/", import.meta.url),
  record: { apiKeyVariable: "${keyVariableOf(name)}" }
})
`

const changeset = (name: string) => `---
"@patchbay/${name}": minor
---

New adapter: \`${factoryName(name)}()\` puts ${typeName(name)} behind Patchbay.
`

/**
 * Writes the skeleton of a new adapter under `root` (see the module header). Throws, writing
 * nothing, on a bad name or an existing folder.
 */
export const generateAdapter = (options: NewAdapterOptions): NewAdapter => {
  const { name, root } = options
  if (!NAME.test(name)) throw new Error(`the adapter's name must be lower-case kebab-case (acme-voice), got ${JSON.stringify(name)}`)
  const dir = path.join(root, "adapters", name)
  if (existsSync(dir)) throw new Error(`${path.relative(root, dir)} exists already`)
  const rootPackage = JSON.parse(readFileSync(options.versionsFrom ?? path.join(REPOSITORY, "package.json"), "utf8")) as {
    readonly devDependencies?: Readonly<Record<string, string>>
  }
  const files: Record<string, string> = {
    [`adapters/${name}/package.json`]: json(packageJson(name, rootPackage.devDependencies ?? {})),
    [`adapters/${name}/vitest.config.ts`]: vitestConfig(name),
    [`adapters/${name}/tsconfig.build.json`]: tsconfigBuild,
    [`adapters/${name}/README.md`]: readme(name),
    [`adapters/${name}/CHANGELOG.md`]: `# @patchbay/${name}\n`,
    [`adapters/${name}/src/index.ts`]: index(name),
    [`adapters/${name}/test/${name}.conformance.test.ts`]: batteryTest(name),
    [`adapters/${name}/test/cassettes/.gitkeep`]: "",
    [`.changeset/${name}-adapter.md`]: changeset(name)
  }
  const changesetFile = path.join(root, `.changeset/${name}-adapter.md`)
  if (existsSync(changesetFile)) throw new Error(`${path.relative(root, changesetFile)} exists already`)
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(root, file)
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, text)
  }
  return { files: Object.keys(files), packageName: `@patchbay/${name}`, factory: factoryName(name), keyVariable: keyVariableOf(name) }
}

const main = (argv: ReadonlyArray<string>): number => {
  const rootAt = argv.indexOf("--root")
  const root = rootAt === -1 ? REPOSITORY : path.resolve(argv[rootAt + 1] ?? ".")
  const name = argv.find((arg, i) => !arg.startsWith("--") && (rootAt === -1 || i !== rootAt + 1))
  if (name === undefined) {
    console.error("usage: pnpm new:adapter <name>   (lower-case kebab-case, e.g. acme-voice)")
    return 2
  }
  try {
    const made = generateAdapter({ name, root })
    console.log(`Wrote ${made.packageName} (factory ${made.factory}, key ${made.keyVariable}):`)
    for (const file of made.files) console.log(`  ${file}`)
    console.log(`
Next:
  pnpm install                 links the new package into the workspace and updates pnpm-lock.yaml
  git add adapters/${name} .changeset/${name}-adapter.md pnpm-lock.yaml
                               commit the lockfile with the package: ./scripts/dev installs with
                               --frozen-lockfile, which fails on a package the lockfile does not list
  pnpm exec vitest run --project @patchbay/${name}
                               the battery: every check skipped until test/cassettes/ has cassettes
Then follow docs/adapters/authoring.md.`)
    return 0
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    return 1
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2))
}
