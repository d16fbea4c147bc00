import { existsSync, readdirSync } from "node:fs"
import { defineConfig } from "vitest/config"

// Every workspace package is a vitest project; each also runs alone with `pnpm exec vitest run`.
const packages = ["packages", "adapters"]
  .flatMap((dir) => (existsSync(dir) ? readdirSync(dir).map((name) => `${dir}/${name}`) : []))
  .concat("conformance", "examples")
  .filter((dir) => existsSync(`${dir}/package.json`))

export default defineConfig({
  test: {
    projects: packages
  }
})
