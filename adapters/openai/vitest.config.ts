import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/openai",
    include: ["test/**/*.test.ts"]
  }
})
