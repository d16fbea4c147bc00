import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/server",
    include: ["test/**/*.test.ts"]
  }
})
