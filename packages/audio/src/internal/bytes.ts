/** Small readers of binary data shared by the audio parsers. */

/** The byte at `i`, 0 past the end. */
export const byteAt = (b: Uint8Array, i: number): number => b[i] ?? 0

/** Little-endian unsigned integers. */
export const u16le = (b: Uint8Array, i: number) => byteAt(b, i) | (byteAt(b, i + 1) << 8)
export const u32le = (b: Uint8Array, i: number) => u16le(b, i) + u16le(b, i + 2) * 0x10000

/** Big-endian integers (MP4 boxes, EBML). */
export const u16be = (b: Uint8Array, i: number) => (byteAt(b, i) << 8) | byteAt(b, i + 1)
export const u32be = (b: Uint8Array, i: number) => u16be(b, i) * 0x10000 + u16be(b, i + 2)
export const u64be = (b: Uint8Array, i: number) => u32be(b, i) * 0x1_0000_0000 + u32be(b, i + 4)
export const i32be = (b: Uint8Array, i: number) => u32be(b, i) | 0

/** `length` bytes from `at` as Latin-1 text (cut at the end of the bytes). */
export const ascii = (b: Uint8Array, at: number, length: number) =>
  String.fromCharCode(...b.subarray(at, Math.min(b.length, at + length)))

/** Whether `text` (ASCII) stands at `at`. */
export const hasAscii = (b: Uint8Array, at: number, text: string): boolean => {
  if (at < 0 || at + text.length > b.length) return false
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false
  return true
}

/** Where `text` (ASCII) first stands at or after `from`; -1 when nowhere. */
export const indexOfAscii = (b: Uint8Array, text: string, from = 0): number => {
  const first = text.charCodeAt(0)
  for (let i = b.indexOf(first, from); i !== -1; i = b.indexOf(first, i + 1)) {
    if (hasAscii(b, i, text)) return i
  }
  return -1
}

/** The chunks one after the other, in one new array. */
export const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.length, 0))
  chunks.reduce((at, chunk) => (out.set(chunk, at), at + chunk.length), 0)
  return out
}
