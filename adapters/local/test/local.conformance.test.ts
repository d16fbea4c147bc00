/**
 * The conformance battery on the local engines, in process: no HTTP, so the HTTP checks are
 * skipped (with that reason), and the process checks run through a harness of stand-in programs
 * (a missing one, one killed by SIGKILL while it works, one that never finishes).
 */
import { runConformance } from "@patchbay/conformance"
import { afterAll } from "vitest"
import { local } from "../src/index.ts"
import { makeFakes } from "./support/Fakes.ts"

const fakes = makeFakes()
afterAll(() => fakes.dispose())

runConformance({
  name: "local",
  mode: "in-process",
  make: () => local(),
  cassettes: new URL("./cassettes/", import.meta.url),
  process: {
    missingProgram: () => local({ espeakNg: fakes.missing, pocketsphinx: fakes.missing }),
    killedProgram: () => local({ espeakNg: fakes.killed, pocketsphinx: fakes.killed }),
    hangingProgram: () => ({ provider: local({ espeakNg: fakes.hangs, pocketsphinx: fakes.hangs }), running: () => fakes.running(fakes.hangs) })
  }
})
