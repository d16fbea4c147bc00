import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/audio",
    include: ["test/**/*.test.ts"]
  }
})
