/** The behaviour suite against `createClient`, calling a real server on a loopback port. */
import { describe } from "vitest"
import { behaviour } from "./behaviour/Suite.ts"
import { overHttp } from "./behaviour/Targets.ts"

describe("createClient, over HTTP", () => behaviour(overHttp, true))
