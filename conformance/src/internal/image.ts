/**
 * Image bytes checked for what they claim to be: PNG (signature, chunk CRCs, IHDR first, IEND
 * last, IDAT inflating to the size the header implies), JPEG (SOI, a frame header, EOI), GIF
 * (header, screen size, trailer) and WebP (RIFF size, VP8/VP8L/VP8X chunk). Core's `Audio`
 * module does this for audio; images have no counterpart in core yet.
 */
import { inflateSync } from "node:zlib"

/** What the bytes are, and their pixel size when read. */
export type ImageFacts =
  | { readonly _tag: "Image"; readonly media_type: string; readonly width: number; readonly height: number }
  | { readonly _tag: "Invalid"; readonly media_type: string | undefined; readonly reason: string }

const ascii = (b: Uint8Array, at: number, length: number) => String.fromCharCode(...b.subarray(at, at + length))
const u32be = (b: Uint8Array, at: number) => ((b[at] ?? 0) * 0x1000000) + (((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0))
const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0)
const u16le = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8)
const u32le = (b: Uint8Array, at: number) => u16le(b, at) + u16le(b, at + 2) * 0x10000

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

/** CRC-32 as PNG computes it. */
export const crc32 = (bytes: Uint8Array): number => {
  let c = 0xffffffff
  for (const byte of bytes) c = (crcTable[(c ^ byte) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const channelsOf: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }

const png = (b: Uint8Array): ImageFacts => {
  const invalid = (reason: string): ImageFacts => ({ _tag: "Invalid", media_type: "image/png", reason })
  let at = 8
  let width = 0
  let height = 0
  let bitsPerPixel = 0
  let interlaced = false
  const idat: Array<Uint8Array> = []
  let first = true
  for (;;) {
    if (at + 12 > b.length) return invalid("the PNG ends before its IEND chunk")
    const length = u32be(b, at)
    const type = ascii(b, at + 4, 4)
    const end = at + 12 + length
    if (end > b.length) return invalid(`the PNG chunk ${type} runs past the end of the bytes`)
    const crc = u32be(b, at + 8 + length)
    if (crc32(b.subarray(at + 4, at + 8 + length)) !== crc) return invalid(`the PNG chunk ${type} has a wrong CRC`)
    const data = b.subarray(at + 8, at + 8 + length)
    if (first && type !== "IHDR") return invalid("the PNG does not start with IHDR")
    first = false
    if (type === "IHDR") {
      width = u32be(data, 0)
      height = u32be(data, 4)
      const channels = channelsOf[data[9] ?? 255]
      if (channels === undefined || width === 0 || height === 0) return invalid("the PNG header is malformed")
      bitsPerPixel = channels * (data[8] ?? 0)
      interlaced = data[12] === 1
    } else if (type === "IDAT") idat.push(data)
    else if (type === "IEND") break
    at = end
  }
  if (idat.length === 0) return invalid("the PNG has no image data (IDAT)")
  let pixels: Uint8Array
  try {
    pixels = inflateSync(Buffer.concat(idat))
  } catch (error) {
    return invalid(`the PNG image data does not inflate (${(error as Error).message})`)
  }
  const expected = height * (1 + Math.ceil((width * bitsPerPixel) / 8))
  if (!interlaced && pixels.length !== expected) {
    return invalid(`the PNG image data is ${pixels.length} bytes; ${width}×${height} needs ${expected}`)
  }
  return { _tag: "Image", media_type: "image/png", width, height }
}

const jpeg = (b: Uint8Array): ImageFacts => {
  const invalid = (reason: string): ImageFacts => ({ _tag: "Invalid", media_type: "image/jpeg", reason })
  if (b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) return invalid("the JPEG does not end with EOI")
  for (let at = 2; at + 4 <= b.length;) {
    if (b[at] !== 0xff) return invalid(`the JPEG has no marker at byte ${at}`)
    const marker = b[at + 1] ?? 0
    if (marker === 0xff) {
      at += 1
      continue
    }
    const length = u16be(b, at + 2)
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
    if (isFrame) {
      const height = u16be(b, at + 5)
      const width = u16be(b, at + 7)
      if (width === 0 || height === 0) return invalid("the JPEG frame header has no size")
      return { _tag: "Image", media_type: "image/jpeg", width, height }
    }
    at += 2 + length
  }
  return invalid("the JPEG has no frame header (SOF)")
}

const gif = (b: Uint8Array): ImageFacts => {
  const width = u16le(b, 6)
  const height = u16le(b, 8)
  if (b[b.length - 1] !== 0x3b) return { _tag: "Invalid", media_type: "image/gif", reason: "the GIF does not end with its trailer" }
  if (width === 0 || height === 0) return { _tag: "Invalid", media_type: "image/gif", reason: "the GIF screen has no size" }
  return { _tag: "Image", media_type: "image/gif", width, height }
}

const webp = (b: Uint8Array): ImageFacts => {
  const invalid = (reason: string): ImageFacts => ({ _tag: "Invalid", media_type: "image/webp", reason })
  if (u32le(b, 4) + 8 !== b.length) return invalid(`the WebP RIFF size says ${u32le(b, 4) + 8} bytes, there are ${b.length}`)
  const chunk = ascii(b, 12, 4)
  if (chunk === "VP8X") return { _tag: "Image", media_type: "image/webp", width: 1 + (u32le(b, 24) & 0xffffff), height: 1 + (u32le(b, 27) & 0xffffff) }
  if (chunk === "VP8L") {
    const bits = u32le(b, 21)
    return { _tag: "Image", media_type: "image/webp", width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) }
  }
  if (chunk === "VP8 ") return { _tag: "Image", media_type: "image/webp", width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff }
  return invalid(`the WebP has an unknown first chunk ${JSON.stringify(chunk)}`)
}

/** The media type the magic number says, without decoding. */
export const sniffImage = (b: Uint8Array): string | undefined => {
  if (PNG_SIGNATURE.every((v, i) => b[i] === v)) return "image/png"
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg"
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return "image/gif"
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return "image/webp"
  return undefined
}

/** Reads image bytes: what they are and whether their structure holds. */
export const readImage = (b: Uint8Array): ImageFacts => {
  switch (sniffImage(b)) {
    case "image/png":
      return png(b)
    case "image/jpeg":
      return jpeg(b)
    case "image/gif":
      return gif(b)
    case "image/webp":
      return webp(b)
    default:
      return { _tag: "Invalid", media_type: undefined, reason: "the bytes are not PNG, JPEG, GIF or WebP" }
  }
}
