/** Small readers of binary data shared by the audio parsers. */

/** The byte at `i`, 0 past the end. */
export const byteAt = (b: Uint8Array, i: number): number => b[i] ?? 0
/** Little-endian unsigned integers. */
export const u16le = (b: Uint8Array, i: number) => byteAt(b, i) | (byteAt(b, i + 1) << 8)
export const u32le = (b: Uint8Array, i: number) => u16le(b, i) + u16le(b, i + 2) * 0x10000

/** Whether `text` (ASCII) stands at `at`. */
export const hasAscii = (b: Uint8Array, at: number, text: string): boolean => {
  if (at < 0 || at + text.length > b.length) return false
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false
  return true
}
