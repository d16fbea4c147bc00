import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/openrouter",
    include: ["test/**/*.test.ts"]
  }
})
