/**
 * Finding and running programs: lookup on PATH without running anything, the error that names
 * the Debian package, pipelines that stream, exit statuses mapped to typed errors, and
 * interruption killing every process of a pipeline.
 */
import { expect, it } from "@effect/vitest"
import { InvalidRequest } from "@patchbay/core"
import { Effect, Exit, Fiber, Stream } from "effect"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe } from "vitest"
import { availability, defaultPaths, Programs } from "../src/index.ts"
import { descendants, waitFor } from "./support/Fakes.ts"

const dir = mkdtempSync(path.join(os.tmpdir(), "patchbay-local-programs-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const executable = path.join(dir, "tool")
writeFileSync(executable, "#!/bin/sh\nexit 0\n")
chmodSync(executable, 0o755)
const notExecutable = path.join(dir, "data.txt")
writeFileSync(notExecutable, "not a program")

/** Programs named after the engines but standing for ordinary tools, to test the plumbing. */
const tools = (overrides: Partial<Programs.ProgramPaths> = {}): Programs.ProgramPaths => ({ espeakNg: "cat", pocketsphinx: "tr", ffmpeg: "sh", ...overrides })

const text = <E>(stream: Stream.Stream<Uint8Array, E>) =>
  Stream.runCollect(stream).pipe(Effect.map((chunks) => Buffer.concat(chunks).toString("utf8")))

describe("finding programs", () => {
  it.effect("looks a bare name up on PATH and checks a path is an executable file, running nothing", () =>
    Effect.gen(function*() {
      expect(yield* Programs.locate("espeak-ng")).toBe("/usr/bin/espeak-ng")
      expect(yield* Programs.locate(executable)).toBe(executable)
      expect(yield* Programs.locate(notExecutable)).toBeUndefined()
      expect(yield* Programs.locate(dir)).toBeUndefined()
      expect(yield* Programs.locate("/nonexistent/espeak-ng")).toBeUndefined()
      expect(yield* Programs.locate("no-such-program-anywhere")).toBeUndefined()
    }))

  it.effect("reports which engines are installed (this machine has all of them)", () =>
    Effect.gen(function*() {
      expect(yield* availability()).toEqual({ espeakNg: true, pocketsphinx: true, ffmpeg: true })
      expect(yield* availability({ espeakNg: "/nonexistent/espeak-ng", ffmpeg: notExecutable })).toEqual({ espeakNg: false, pocketsphinx: true, ffmpeg: false })
      expect(yield* Programs.availability({ ...defaultPaths, pocketsphinx: "no-such-decoder" })).toEqual({ espeakNg: true, pocketsphinx: false, ffmpeg: true })
    }))

  it.effect("names the package whether the program was looked up on PATH or given as a path", () =>
    Effect.gen(function*() {
      const onPath = yield* Effect.flip(Programs.need({ ...defaultPaths, ffmpeg: "ffmpeg-not-installed" }, "ffmpeg", "mp3 output needs ffmpeg"))
      expect(onPath._tag).toBe("ProviderUnavailable")
      expect(onPath.message).toBe(
        "Provider unavailable (local): mp3 output needs ffmpeg: ffmpeg-not-installed was not found on PATH (as \"ffmpeg-not-installed\"); " +
          "install the Debian package ffmpeg (apt-get install ffmpeg) or pass its path as local({ ffmpeg: \"/path/to/ffmpeg\" })"
      )
      const atPath = yield* Effect.flip(Programs.need({ ...defaultPaths, espeakNg: "/opt/espeak/bin/espeak-ng" }, "espeakNg"))
      expect(atPath.detail).toBe(
        "espeak-ng was not found at \"/opt/espeak/bin/espeak-ng\"; install the Debian package espeak-ng (apt-get install espeak-ng) " +
          "or pass its path as local({ espeakNg: \"/path/to/espeak-ng\" })"
      )
      expect(Programs.modelMissing().detail).toBe(
        "pocketsphinx's US English model is not installed in /usr/share/pocketsphinx/model/en-us; install the Debian package pocketsphinx-en-us (apt-get install pocketsphinx-en-us)"
      )
    }))
})

describe("running programs", () => {
  it.live("pipes programs into each other and streams the last one's output", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      const out = yield* text(Programs.run(tools(), [
        { program: "espeakNg", args: [] },
        { program: "pocketsphinx", args: ["a-z", "A-Z"] }
      ], { input: new TextEncoder().encode("hello pipes"), onTransfer: (link, chunk) => void seen.push(link, chunk.byteLength) }))
      expect(out).toBe("HELLO PIPES")
      expect(seen).toEqual([0, 11])
    }))

  it.live("feeds a web stream as the program reads it", () =>
    Effect.gen(function*() {
      const input = new Blob(["streamed ", "input"]).stream()
      expect(yield* text(Programs.run(tools(), [{ program: "espeakNg", args: [] }], { input }))).toBe("streamed input")
    }))

  it.live("a failing program is ProviderUnavailable with its exit code and what it wrote to stderr", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(text(Programs.run(tools(), [{ program: "ffmpeg", args: ["-c", "echo starting >&2; echo 'Error: no such voice' >&2; exit 3"] }])))
      expect(error._tag).toBe("ProviderUnavailable")
      expect(error.message).toBe("Provider unavailable (local): sh exited with code 3: Error: no such voice")
    }))

  it.live("a program killed while it works fails the call after the output it made", () =>
    Effect.gen(function*() {
      const chunks: Array<string> = []
      const exit = yield* Effect.exit(Stream.runForEach(
        Programs.run(tools(), [{ program: "ffmpeg", args: ["-c", "printf partial; sleep 0.1; kill -9 $$"] }]),
        (c) => Effect.sync(() => void chunks.push(Buffer.from(c).toString()))
      ))
      expect(chunks.join("")).toBe("partial")
      expect(exit).toEqual(Exit.fail(expect.objectContaining({ _tag: "ProviderUnavailable", detail: "sh was killed by SIGKILL" })))
    }))

  it.live("a step maps the failures it understands to its own typed error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(text(Programs.run(tools(), [{
        program: "ffmpeg",
        args: ["-c", "echo 'bad word: zorb' >&2; exit 1"],
        classify: (f) => new InvalidRequest({ field: "phrases", reason: `${f.code}: ${f.stderr.trim()}` })
      }])))
      expect(error).toEqual(new InvalidRequest({ field: "phrases", reason: "1: bad word: zorb" }))
    }))

  it.live("blames the program that failed, not the one that lost its reader", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(text(Programs.run(tools({ espeakNg: "yes" }), [
        { program: "espeakNg", args: [] },
        { program: "ffmpeg", args: ["-c", "head -c 10 > /dev/null; echo 'decoder gave up' >&2; exit 4"] }
      ])))
      expect(error.message).toBe("Provider unavailable (local): sh exited with code 4: decoder gave up")
    }))

  it.live("a program that opens /dev/stdin by name runs behind a real pipe", () =>
    Effect.gen(function*() {
      const input = new TextEncoder().encode("read by name")
      const bySocket = yield* Effect.flip(text(Programs.run(tools(), [{ program: "espeakNg", args: ["/dev/stdin"] }], { input })))
      expect(bySocket.message).toContain("No such device or address")
      expect(yield* text(Programs.run(tools(), [{ program: "espeakNg", args: ["/dev/stdin"], opensStdin: true }], { input }))).toBe("read by name")
    }))

  it.live("interrupting the call kills every program of the pipeline, also one behind sh", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(Stream.runDrain(Programs.run(tools({ espeakNg: "sleep", pocketsphinx: "sleep" }), [
        { program: "espeakNg", args: ["30"] },
        { program: "pocketsphinx", args: ["31"], opensStdin: true }
      ])))
      yield* waitFor(() => descendants("sleep").length === 2)
      expect(descendants().length).toBe(4) // sleep 30, and sh running cat | sleep 31
      yield* Fiber.interrupt(fiber)
      expect(descendants()).toEqual([])
    }))

  it.live("reading the input failing is the caller's typed error", () =>
    Effect.gen(function*() {
      const input = new ReadableStream<Uint8Array>({
        pull: (controller) => controller.error(new Error("disk gone"))
      })
      const error = yield* Effect.flip(text(Programs.run(tools(), [{ program: "espeakNg", args: [] }], {
        input,
        inputError: (cause) => new InvalidRequest({ field: "audio_file", reason: String(cause) })
      })))
      expect(error).toEqual(new InvalidRequest({ field: "audio_file", reason: "Error: disk gone" }))
    }))

  it.live("a missing program fails before anything starts", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(text(Programs.run(tools({ pocketsphinx: "/nonexistent/pocketsphinx_continuous" }), [
        { program: "espeakNg", args: [] },
        { program: "pocketsphinx", args: [] }
      ], { input: new Uint8Array(1) })))
      expect(error.message).toContain("install the Debian package pocketsphinx (apt-get install pocketsphinx)")
      expect(descendants()).toEqual([])
    }))

  it.live("output() returns a short program's whole stdout as text", () =>
    Effect.gen(function*() {
      expect(yield* Programs.output(tools(), { program: "ffmpeg", args: ["-c", "printf 'caf\\303\\251'"] })).toBe("café")
    }))
})
