/**
 * The check that an uploaded recording is labelled with its own media type: the file part of
 * a multipart upload, or a raw audio body, carries a `content-type` naming the audio's
 * container (`audio/mpeg` for mp3, `audio/wav` for wav, …). A vendor that sniffs the bytes
 * accepts an unlabelled upload (`application/octet-stream`, what `fetch` sends for a `Blob`
 * without a type), so the replay's matcher — which compares the bytes, not the label — cannot
 * tell; a vendor or proxy that goes by the label refuses it, or decodes it as the wrong format.
 * Each scenario is played twice: with the recording as a file, and as a `Blob` without a type
 * (what a browser upload or a `fetch` response gives), since an adapter that passes the caller's
 * `Blob` on as it came labels only the audio that already had a label.
 */
import { Audio, AudioInput } from "@patchbay/core"
import { Effect } from "effect"
import type { BinaryRef, RequestBody } from "../../Cassette.ts"
import { show } from "../json.ts"
import { audioOf } from "../operations.ts"
import { define, eachCassette, ensure, failWith, overSuccesses, playCassette, run, skip, succeeded } from "./common.ts"

const isRef = (value: unknown): value is BinaryRef =>
  typeof value === "object" && value !== null && typeof (value as { sha256?: unknown }).sha256 === "string"

/** The uploaded audio of a request body, as the transport saw it: its size and declared media type. */
const uploadIn = (body: RequestBody | undefined, size: number | undefined): { readonly contentType: string | undefined } | undefined => {
  if (body?.type === "binary") return { contentType: body.content_type }
  if (body?.type !== "multipart") return undefined
  const parts = Object.values(body.fields).flatMap((v) => (Array.isArray(v) ? v : [v])).filter(isRef)
  const part = parts.find((p) => size === undefined || p.size === size) ?? parts[0]
  return part === undefined ? undefined : { contentType: part.content_type }
}

const labelFor = (audio: AudioInput.AudioInput): string =>
  audio.container === undefined ? "its media type" : Audio.mediaTypeOf(audio.container)

export const sttUploadType = define(
  "stt",
  "upload_type",
  "the uploaded audio is labelled with its own media type",
  overSuccesses("stt", (subject, found) =>
    subject.mode === "in-process" ? skip("in-process provider: nothing is uploaded") : run(found)),
  Effect.fn("Checks.stt.upload_type")(function*(subject, cassettes) {
    yield* eachCassette(cassettes, (loaded, scenario) =>
      Effect.gen(function*() {
        const audio = yield* audioOf(loaded, scenario)
        const container = audio.container
        const bytes = yield* Effect.promise(() => audio.bytes())
        const untyped = yield* AudioInput.fromBlob(new Blob([bytes as Uint8Array<ArrayBuffer>]), audio.filename).pipe(
          Effect.orElseSucceed(() => undefined)
        )
        const forms = [["a file", undefined], ["a Blob without a type", untyped]] as const
        for (const [form, given] of forms) {
          if (form !== "a file" && given === undefined) continue
          const played = yield* playCassette(subject, loaded, undefined, given === undefined ? undefined : { audio: given })
          yield* succeeded(played)
          const uploads = (played.transport?.log ?? []).flatMap((entry) => {
            const found = uploadIn(entry.body, audio.size)
            return found === undefined ? [] : [found]
          })
          if (uploads.length === 0) return yield* failWith(`given ${form}, no request carried the audio (a multipart file part or a binary body)`)
          if (container === undefined) return
          for (const upload of uploads) {
            const named = upload.contentType === undefined ? undefined : Audio.containerOfMediaType(upload.contentType)
            yield* ensure(named === container, () =>
              `the audio (${container}, given as ${form}) was uploaded ${upload.contentType === undefined ? "without a content type" : `as ${show(upload.contentType)}`}: label it ${labelFor(audio)} (AudioInput.mediaTypeFor)`)
          }
        }
      }))
  })
)
