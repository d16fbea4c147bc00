import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/core",
    include: ["test/**/*.test.ts"]
  }
})
