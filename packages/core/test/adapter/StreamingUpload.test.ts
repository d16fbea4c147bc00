/**
 * Keeping large uploads out of memory: the multipart encoding `uploadFetch` writes by hand (with
 * its exact length), what it refuses, and a one-shot stream spooled to disk, counted against its
 * limit, in a directory its scope removes. The transport on a real socket is tested through the
 * ElevenLabs adapter, which uses it by default (`adapters/elevenlabs/test/Upload.test.ts`).
 */
import { expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { InputTooLarge } from "../../src/index.ts"
import { encodeMultipart, isFileUpload, spoolToFile, uploadFetch } from "../../src/adapter/index.ts"

/** Parses a multipart body the standard way. */
const parse = (body: Uint8Array, contentType: string) =>
  new Request("http://parse", { method: "POST", headers: { "content-type": contentType }, body: new Uint8Array(body) }).formData()

it("text fields (line breaks as CRLF, names escaped) and files (name, type, bytes), with the exact length", async () => {
  const audio = new Uint8Array(21_312).map((_, i) => i % 251)
  const form = new FormData()
  form.append("model_id", "scribe_v2")
  form.append("note", "two\nlines")
  form.append("keyterms", "a")
  form.append("keyterms", "b")
  form.append("file", new Blob([audio], { type: "audio/mpeg" }), "my \"speech\".mp3")
  expect(isFileUpload(form)).toBe(true)
  const { parts, length } = encodeMultipart(form, "BOUNDARY")
  const bytes = Buffer.concat(await Promise.all(parts.map(async (p) => (p instanceof Blob ? new Uint8Array(await p.arrayBuffer()) : p))))
  expect(bytes.byteLength).toBe(length)
  expect(bytes.toString("latin1")).toContain('Content-Disposition: form-data; name="file"; filename="my %22speech%22.mp3"\r\nContent-Type: audio/mpeg')
  const parsed = await parse(bytes, "multipart/form-data; boundary=BOUNDARY")
  expect([parsed.get("model_id"), parsed.get("note"), parsed.getAll("keyterms")]).toEqual(["scribe_v2", "two\r\nlines", ["a", "b"]])
  const file = parsed.get("file") as File
  expect([file.name, file.type, file.size]).toEqual(["my \"speech\".mp3", "audio/mpeg", 21_312]) // escaped as %22 on the wire, as browsers do
  expect(new Uint8Array(await file.arrayBuffer())).toEqual(audio)
  expect(isFileUpload(new FormData())).toBe(false)
})

it("uploadFetch refuses what it is not for", async () => {
  await expect(uploadFetch("http://127.0.0.1:1/", { method: "POST", body: "text" })).rejects.toThrow("FormData bodies only")
})

const streamOf = (...sizes: ReadonlyArray<number>) => {
  let next = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = sizes[next++]
      if (size === undefined) controller.close()
      else controller.enqueue(new Uint8Array(size).fill(7))
    }
  })
}

it.effect("a stream is spooled to a file-backed Blob, in a private directory its scope removes", () =>
  Effect.gen(function*() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-spool-test-"))
    const scope = yield* Scope.make()
    const blob = yield* spoolToFile({ stream: streamOf(3, 4), provider: "acme", limit: 10, mediaType: "audio/ogg", dir }).pipe(Scope.provide(scope))
    const spooled = fs.readdirSync(dir)
    expect([blob.size, blob.type, new Uint8Array(yield* Effect.promise(() => blob.arrayBuffer())), spooled.length]).toEqual([
      7,
      "audio/ogg",
      new Uint8Array(7).fill(7),
      1
    ])
    expect(spooled[0]?.startsWith("patchbay-acme-")).toBe(true)
    yield* Scope.close(scope, Exit.void)
    expect(fs.readdirSync(dir)).toEqual([])
    fs.rmSync(dir, { recursive: true, force: true })
  }))

it.effect("a stream past the limit stops the spool with InputTooLarge and leaves nothing behind", () =>
  Effect.gen(function*() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-spool-test-"))
    const error = yield* Effect.flip(Effect.scoped(spoolToFile({ stream: streamOf(6, 6, 6), provider: "acme", model: "m", limit: 10, mediaType: "audio/ogg", dir })))
    expect([error, fs.readdirSync(dir)]).toEqual([new InputTooLarge({ provider: "acme", model: "m", field: "audio_file", limit: 10, size: 12 }), []])
    fs.rmSync(dir, { recursive: true, force: true })
  }))
