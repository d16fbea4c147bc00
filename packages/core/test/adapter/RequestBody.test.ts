/**
 * Request bodies: JSON, multipart forms (omitted fields, repeated lists, named files), raw
 * bytes, and uploads of unknown length counted against their limit before any request.
 */
import { expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { InputTooLarge } from "../../src/index.ts"
import { bytesBody, jsonBody, multipartBody, uploadBlob } from "../../src/adapter/index.ts"

it("JSON bodies carry their content type; undefined fields are left out", () => {
  expect(jsonBody({ model: "m", size: undefined })).toEqual({ body: "{\"model\":\"m\"}", headers: { "content-type": "application/json" } })
})

it("a form leaves out undefined fields, repeats lists and names its files", async () => {
  const { body, headers } = multipartBody({
    model: "acme-listen-1",
    language: undefined,
    diarize: true,
    "timestamp_granularities[]": ["word", "segment"],
    file: { file: new Blob(["RIFF"], { type: "audio/wav" }), filename: "a.wav" }
  })
  const form = body as FormData
  const file = form.get("file") as File
  expect([headers, [...form.keys()], form.getAll("timestamp_granularities[]"), form.get("diarize"), file.name, await file.text()]).toEqual([
    {},
    ["model", "diarize", "timestamp_granularities[]", "timestamp_granularities[]", "file"],
    ["word", "segment"],
    "true",
    "a.wav",
    "RIFF"
  ])
})

it("raw bytes go as a Blob with their media type", async () => {
  const { body, headers } = bytesBody(new Uint8Array([1, 2, 3]), "audio/mpeg")
  expect([headers, new Uint8Array(await (body as Blob).arrayBuffer())]).toEqual([{ "content-type": "audio/mpeg" }, new Uint8Array([1, 2, 3])])
})

const streamOf = (...chunks: ReadonlyArray<number>) => {
  let next = 0
  let cancelled = false
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = chunks[next++]
      if (size === undefined) controller.close()
      else controller.enqueue(new Uint8Array(size))
    },
    cancel() {
      cancelled = true
    }
  })
  return { stream, cancelled: () => cancelled }
}

it.effect("an upload of unknown length is counted into a Blob, or refused as soon as it passes the limit", () =>
  Effect.gen(function*() {
    const small = streamOf(3, 4)
    const blob = yield* uploadBlob({ blob: () => Promise.reject(new Error("unused")), stream: () => small.stream }, { provider: "acme", limit: 10, mediaType: "audio/ogg" })
    expect([blob.size, blob.type]).toEqual([7, "audio/ogg"])
    const large = streamOf(6, 6, 6)
    const error = yield* Effect.flip(uploadBlob({ blob: () => Promise.reject(new Error("unused")), stream: () => large.stream }, { provider: "acme", model: "m", limit: 10, mediaType: "audio/ogg" }))
    expect([error, large.cancelled()]).toEqual([new InputTooLarge({ provider: "acme", model: "m", field: "audio_file", limit: 10, size: 12 }), true])
  }))

it.effect("an upload of known size is passed through as its Blob when it has a type, else labelled with the media type", () =>
  Effect.gen(function*() {
    const file = new Blob(["abc"], { type: "audio/mpeg" })
    expect(yield* uploadBlob({ size: 3, blob: () => Promise.resolve(file), stream: () => new ReadableStream() }, { provider: "acme", limit: 1, mediaType: "audio/ogg" })).toBe(file)
    const untyped = new Blob(["abc"])
    const labelled = yield* uploadBlob({ size: 3, blob: () => Promise.resolve(untyped), stream: () => new ReadableStream() }, { provider: "acme", limit: 1, mediaType: "audio/ogg" })
    expect([labelled.type, labelled.size, yield* Effect.promise(() => labelled.text())]).toEqual(["audio/ogg", 3, "abc"])
  }))
