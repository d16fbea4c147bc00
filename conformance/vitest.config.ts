import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/conformance",
    include: ["test/**/*.test.ts"]
  }
})
