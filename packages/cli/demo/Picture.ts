/**
 * The pictures the synthesized OpenRouter image model answers with: a real, small PNG drawn
 * here — a tiny robot watering a sunflower in a sunny garden, red at first, then blue with a
 * crescent moon once edited — encoded with Node's zlib (deflate and CRC-32), no dependency.
 *
 * @since 0.1.0
 */
import { crc32, deflateSync } from "node:zlib"

type Rgb = readonly [number, number, number]

/** A tiny RGB canvas. */
class Canvas {
  readonly pixels: Uint8Array
  readonly width: number
  readonly height: number
  constructor(width: number, height: number) {
    this.width = width
    this.height = height
    this.pixels = new Uint8Array(width * height * 3)
  }
  set(x: number, y: number, [r, g, b]: Rgb): void {
    const xi = Math.round(x)
    const yi = Math.round(y)
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return
    const at = (yi * this.width + xi) * 3
    this.pixels[at] = r
    this.pixels[at + 1] = g
    this.pixels[at + 2] = b
  }
  rect(x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) this.set(x, y, color)
  }
  circle(cx: number, cy: number, r: number, color: Rgb, cut?: { readonly cx: number; readonly cy: number; readonly r: number }): void {
    for (let y = cy - r; y <= cy + r; y++) {
      for (let x = cx - r; x <= cx + r; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
        const cutOut = cut !== undefined && (x - cut.cx) ** 2 + (y - cut.cy) ** 2 <= cut.r * cut.r
        if (inside && !cutOut) this.set(x, y, color)
      }
    }
  }
  line(x0: number, y0: number, x1: number, y1: number, width: number, color: Rgb): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) * 2
    for (let i = 0; i <= steps; i++) {
      const t = steps === 0 ? 0 : i / steps
      this.circle(Math.round(x0 + (x1 - x0) * t), Math.round(y0 + (y1 - y0) * t), width / 2, color)
    }
  }
}

const chunk = (type: string, data: Uint8Array): Buffer => {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.byteLength, 0)
  head.write(type, 4, "ascii")
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0)
  return Buffer.concat([head, data, crc])
}

/** Encodes an RGB canvas as a PNG (colour type 2, 8 bits, no interlace). */
const encode = (canvas: Canvas): Uint8Array => {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(canvas.width, 0)
  header.writeUInt32BE(canvas.height, 4)
  header[8] = 8
  header[9] = 2
  const stride = canvas.width * 3
  const raw = Buffer.alloc((stride + 1) * canvas.height)
  for (let y = 0; y < canvas.height; y++) {
    raw[y * (stride + 1)] = 0
    raw.set(canvas.pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1)
  }
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", new Uint8Array(0))
  ]))
}

/**
 * Draws the garden: a square 128×128 PNG of a tiny robot watering a sunflower. `edited` makes
 * the robot blue and adds a crescent moon to the sky.
 */
export const garden = (edited: boolean): Uint8Array => {
  const c = new Canvas(128, 128)
  const sky: Rgb = edited ? [110, 150, 210] : [135, 206, 235]
  c.rect(0, 0, 127, 87, sky)
  c.rect(0, 88, 127, 127, [76, 175, 80])
  if (edited) c.circle(104, 20, 11, [250, 246, 215], { cx: 110, cy: 16, r: 10 })
  else c.circle(18, 18, 10, [255, 221, 64])
  // The sunflower.
  c.line(96, 60, 96, 104, 3, [46, 125, 50])
  c.circle(90, 84, 4, [56, 142, 60])
  c.circle(102, 76, 4, [56, 142, 60])
  for (let i = 0; i < 10; i++) {
    const a = (i / 10) * Math.PI * 2
    c.circle(96 + Math.cos(a) * 9, 50 + Math.sin(a) * 9, 5, [255, 200, 0])
  }
  c.circle(96, 50, 6, [121, 85, 72])
  // The robot.
  const body: Rgb = edited ? [40, 90, 220] : [220, 40, 40]
  const trim: Rgb = edited ? [25, 55, 150] : [150, 25, 25]
  c.rect(26, 64, 54, 94, body)
  c.rect(30, 44, 50, 62, body)
  c.rect(34, 50, 38, 54, [255, 255, 255])
  c.rect(42, 50, 46, 54, [255, 255, 255])
  c.rect(36, 52, 37, 53, [20, 20, 20])
  c.rect(44, 52, 45, 53, [20, 20, 20])
  c.rect(35, 58, 45, 59, trim)
  c.line(40, 44, 40, 36, 2, [90, 90, 90])
  c.circle(40, 34, 3, [255, 214, 0])
  c.rect(30, 95, 36, 108, [80, 80, 80])
  c.rect(44, 95, 50, 108, [80, 80, 80])
  c.rect(32, 72, 48, 84, trim)
  // The arm and the watering can, and the water.
  c.line(54, 70, 64, 74, 4, body)
  c.rect(62, 70, 74, 82, [158, 158, 158])
  c.line(74, 72, 82, 64, 3, [158, 158, 158])
  for (const [x, y] of [[84, 64], [86, 68], [85, 72], [88, 70], [87, 75]] as const) c.circle(x, y, 1, [30, 136, 229])
  return encode(c)
}
