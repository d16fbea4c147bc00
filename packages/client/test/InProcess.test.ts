/** The behaviour suite against `createPatchbay` in this process. */
import { describe } from "vitest"
import { behaviour } from "./behaviour/Suite.ts"
import { inProcess } from "./behaviour/Targets.ts"

describe("createPatchbay, in process", () => behaviour(inProcess, false))
