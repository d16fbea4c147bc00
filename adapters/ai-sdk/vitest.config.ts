import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/ai-sdk",
    include: ["test/**/*.test.ts"]
  }
})
