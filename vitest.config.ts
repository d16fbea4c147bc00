import { defineConfig } from "vitest/config"

// Every workspace package is a vitest project; each also runs alone with `pnpm exec vitest run`.
export default defineConfig({
  test: {
    projects: ["packages/*", "adapters/*", "conformance"]
  }
})
