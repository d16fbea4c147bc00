import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/elevenlabs",
    include: ["test/**/*.test.ts"]
  }
})
