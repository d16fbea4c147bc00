import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "@patchbay/s3",
    include: ["test/**/*.test.ts"],
    // Every test talks to a local S3 server over loopback; generous bounds for a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
