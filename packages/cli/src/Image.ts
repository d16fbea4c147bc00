/**
 * `patchbay image "<prompt>" --llm provider/model --image provider/model -o out.png`: the seed's
 * image tool. The prompt goes to the language model with `image_generation: "auto"`; when it
 * calls `generate_image`, the image model draws, and each `media_generated` image is written out.
 *
 * @since 0.1.0
 */
import { mkdirSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { defaults, extensionOfMediaType, onePositional, parseModelRef } from "./Args.ts"
import { type Context, consume } from "./Context.ts"
import { CliError, formatBytes } from "./Output.ts"
import { requireKeys } from "./Providers.ts"
import { displayPath } from "./Speech.ts"

/** The options of `image`. */
export interface ImageOptions {
  readonly positionals: ReadonlyArray<string>
  readonly llm?: string | undefined
  readonly image?: string | undefined
  readonly output?: string | undefined
}

/** The usage text of `image`. */
export const usage = `Usage: patchbay image "<prompt>" [--llm provider/model] [--image provider/model] [-o image.png] [--json] [--replay <dir>]

Asks the language model for an image: it calls the built-in generate_image tool, the image model
draws, and the image is written to a file. The model's words are printed as they stream.

Options:
  --llm provider/model     the language model that decides to draw (default ${defaults.llm})
  --image provider/model   the image model (default ${defaults.image})
  -o, --output <file>      where to write the image (default image.<ext>; several images: name-1.png, …)
  --json                   print the reply and the images as JSON
  --replay <dir>           serve vendor calls from the cassettes in <dir> instead of the network
`

/** Width and height of a PNG, read from its IHDR chunk. */
export const pngSize = (bytes: Uint8Array): { readonly width: number; readonly height: number } | undefined => {
  if (bytes.byteLength < 24 || bytes[0] !== 0x89 || bytes[1] !== 0x50 || bytes[2] !== 0x4e || bytes[3] !== 0x47) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return { width: view.getUint32(16), height: view.getUint32(20) }
}

/** A written image. */
export interface WrittenImage {
  readonly path: string
  readonly document_id: string
  readonly media_type: string
  readonly bytes: number
  readonly width?: number | undefined
  readonly height?: number | undefined
}

/** The file for the `index`-th of several images: `out.png`, then `out-2.png`, …. */
const numbered = (file: string, index: number): string => {
  if (index === 0) return file
  const ext = path.extname(file)
  return `${file.slice(0, file.length - ext.length)}-${index + 1}${ext}`
}

/** Runs `image`; returns the exit code. */
export const run = async (ctx: Context, options: ImageOptions): Promise<number> => {
  const prompt = onePositional(options.positionals, "the prompt", "image")
  const llm = parseModelRef(options.llm ?? defaults.llm, "--llm")
  const image = parseModelRef(options.image ?? defaults.image, "--image")
  const { out } = ctx
  requireKeys(ctx.set, [llm.provider, image.provider])
  const pb = ctx.patchbay()
  try {
    out.progress(`asking ${llm.provider}/${llm.model} to draw with ${image.provider}/${image.model}…`)
    const started = Date.now()
    const events = await pb.addMessage({
      content: prompt,
      llmProvider: llm.provider,
      modelName: llm.model,
      imageGeneration: "auto",
      imageModelProvider: image.provider,
      imageModelName: image.model,
      stream: true
    })
    const written: Array<WrittenImage> = []
    let content = ""
    let ids: { thread_id: string; run_id: string } | undefined
    await consume(events, async (event) => {
      ids ??= { thread_id: event.thread_id, run_id: event.run_id }
      if (event.type === "tool_call" && event.tool_call.function.name === "generate_image") {
        out.progress(`generate_image ${event.tool_call.function.arguments}`)
      } else if (event.type === "media_generated") {
        const stored = await pb.media.get(event.media.document_id)
        const base = options.output ?? `image.${extensionOfMediaType(event.media.media_type)}`
        const file = path.resolve(ctx.io.cwd, numbered(base, written.length))
        mkdirSync(path.dirname(file), { recursive: true })
        writeFileSync(file, stored.bytes)
        const size = pngSize(stored.bytes)
        written.push({ path: file, document_id: event.media.document_id, media_type: event.media.media_type, bytes: stored.bytes.byteLength, ...size })
        out.progress(`image after ${((Date.now() - started) / 1000).toFixed(1)} s: ${event.media.document_id}`)
      } else if (event.type === "content_streaming") {
        content += event.content
        out.print(event.content)
      }
    })
    out.endLine()
    if (written.length === 0) {
      throw new CliError(`${llm.provider}/${llm.model} answered without drawing`, "ask for an image explicitly, e.g. \"Generate an image of …\"", 1, "NoImage")
    }
    for (const w of written) {
      const dims = w.width === undefined ? "" : `, ${w.width}×${w.height}`
      out.line(`${displayPath(ctx.io.cwd, w.path)}: ${w.media_type}${dims}, ${formatBytes(w.bytes)} (document_id ${w.document_id})`)
    }
    out.document({ ...ids, content, images: written })
    return 0
  } finally {
    await pb.dispose()
  }
}
