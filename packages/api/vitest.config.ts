import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/api",
    include: ["test/**/*.test.ts"]
  }
})
