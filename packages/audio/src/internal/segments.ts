/**
 * The plumbing every joiner shares: a segment transform built from a parser over contiguous
 * bytes, the bytes it holds back between pushes, and the error of segments that cannot be
 * joined.
 */
import type { SegmentTransform } from "../Join.ts"

/** Segments that cannot be joined into one valid file (not a RIFF/WAVE response, formats that differ, …). */
export class AudioJoinError extends Error {
  override readonly name = "AudioJoinError"
}

// ---------------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------------

export const writeAscii = (b: Uint8Array, at: number, text: string) => {
  for (let i = 0; i < text.length; i++) b[at + i] = text.charCodeAt(i)
}

export const writeU32le = (b: Uint8Array, at: number, value: number) => {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, value, true)
}

const empty = new Uint8Array(0)

/**
 * The bytes a transform holds back between pushes, contiguous so that a header split across
 * pushes is read in place. It grows by doubling (amortised linear copying) and never writes
 * over bytes it has handed out, so emitted views stay valid.
 */
class Held {
  private data: Uint8Array = empty
  private start = 0
  private end = 0
  get length(): number {
    return this.end - this.start
  }
  view(): Uint8Array {
    return this.data.subarray(this.start, this.end)
  }
  append(bytes: Uint8Array): void {
    if (this.end + bytes.length > this.data.length) {
      const kept = this.end - this.start
      const next = new Uint8Array(Math.max(256, 2 * (kept + bytes.length)))
      next.set(this.data.subarray(this.start, this.end))
      this.data = next
      this.start = 0
      this.end = kept
    }
    this.data.set(bytes, this.end)
    this.end += bytes.length
  }
  consume(n: number): void {
    this.start += n
    if (this.start >= this.end) {
      // Emitted views may point into `data`: start a new buffer rather than reuse it.
      this.data = empty
      this.start = 0
      this.end = 0
    }
  }
}

/**
 * A segment parser over contiguous bytes: it consumes (emits into `out` or drops) a prefix of
 * `bytes` and returns its length; the rest is held and offered again, with more, next time.
 * With `final` it must consume everything.
 */
export type Run = (bytes: Uint8Array, final: boolean, out: Array<Uint8Array>) => number

export const transformOf = (run: Run): SegmentTransform => {
  const held = new Held()
  let ended = false
  return {
    push(bytes) {
      if (ended) throw new AudioJoinError("push after end of the segment")
      const out: Array<Uint8Array> = []
      if (bytes.length === 0) return out
      if (held.length === 0) {
        // Fast path: nothing held, so the pushed bytes are parsed (and emitted) in place.
        const used = run(bytes, false, out)
        if (used < bytes.length) held.append(bytes.subarray(used))
      } else {
        held.append(bytes)
        held.consume(run(held.view(), false, out))
      }
      return out
    },
    end() {
      if (ended) return []
      ended = true
      const out: Array<Uint8Array> = []
      const rest = held.view()
      run(rest, true, out)
      held.consume(rest.length)
      return out
    }
  }
}
