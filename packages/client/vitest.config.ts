import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/client",
    include: ["test/**/*.test.ts"]
  }
})
