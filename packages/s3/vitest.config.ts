import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/s3",
    include: ["test/**/*.test.ts"]
  }
})
