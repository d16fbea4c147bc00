import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/sql",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/postgresSetup.ts"]
  }
})
