import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/examples",
    include: ["test/**/*.test.ts"]
  }
})
