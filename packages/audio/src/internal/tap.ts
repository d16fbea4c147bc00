/**
 * Watching audio on its way to a vendor: counting bytes against the vendor's limit for inputs
 * of unknown length, and measuring the duration from the same bytes without reading a one-shot
 * stream twice or holding it in memory. The measuring reader is fed in lockstep with the
 * provider's reads (each chunk waits until the measurer took the previous one), so memory stays
 * bounded whatever the size.
 */
import { Effect } from "effect"
import type { AudioTap, DurationMeter, Tappable } from "../Meter.ts"
import { probe } from "../Probe.ts"
import { meterFor } from "./meter.ts"

class LimitExceeded extends Error {
  constructor(limit: number) {
    super(`the audio passed the limit of ${limit} bytes`)
  }
}

export const tap = <I extends Tappable>(input: I, limit: number | undefined): AudioTap<I> => {
  let bytes = 0
  let exceeded = false
  let onceMeter: DurationMeter | undefined
  let probeSource: ReadableStream<Uint8Array> | undefined
  let probeReady: (stream: ReadableStream<Uint8Array> | undefined) => void = () => undefined
  const probeStream = new Promise<ReadableStream<Uint8Array> | undefined>((resolve) => (probeReady = resolve))

  const count = (chunk: Uint8Array) => {
    bytes += chunk.byteLength
    if (limit !== undefined && bytes > limit) {
      exceeded = true
      throw new LimitExceeded(limit)
    }
  }

  const stream = (): ReadableStream<Uint8Array> => {
    const reader = input.stream().getReader()
    // Measuring on the way: a meter for mp3 and wav, else a probe fed from the provider's reads.
    const meter = input.once ? meterFor(input.container) : undefined
    if (meter !== undefined) onceMeter = meter
    let feed: ReadableStreamDefaultController<Uint8Array> | undefined
    let taken: (() => void) | undefined
    let measuring = input.once && meter === undefined
    if (measuring) {
      probeSource = new ReadableStream<Uint8Array>({
        start: (controller) => void (feed = controller),
        pull: () => {
          taken?.()
          taken = undefined
        },
        cancel: () => {
          measuring = false
          taken?.()
        }
      }, { highWaterMark: 1 })
      probeReady(probeSource)
    }
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const next = await reader.read()
        if (next.done) {
          if (measuring) feed?.close()
          if (meter !== undefined) probeReady(undefined)
          controller.close()
          return
        }
        meter?.push(next.value)
        try {
          count(next.value)
        } catch (error) {
          if (measuring) feed?.error(error)
          await reader.cancel(error)
          throw error
        }
        if (measuring && feed !== undefined) {
          feed.enqueue(next.value)
          if ((feed.desiredSize ?? 1) <= 0) await new Promise<void>((resolve) => (taken = resolve))
        }
        controller.enqueue(next.value)
      },
      cancel: async (reason) => {
        if (measuring) feed?.error(reason)
        await reader.cancel(reason)
      }
    }, { highWaterMark: 0 })
  }

  const measure = (source: ReadableStream<Uint8Array> | Uint8Array) =>
    probe(source, input.size === undefined ? {} : { size: input.size }).pipe(
      Effect.map((info) => info.duration_seconds),
      Effect.orElseSucceed(() => undefined)
    )

  /** Reads a re-readable input again through a meter: fast, and nothing is kept. */
  const meterAgain = (meter: DurationMeter) =>
    Effect.promise(async () => {
      const reader = input.stream().getReader()
      for (;;) {
        const next = await reader.read()
        if (next.done) return meter.end()
        meter.push(next.value)
      }
    })

  const duration: Effect.Effect<number | undefined> = input.once
    ? Effect.flatMap(Effect.promise(() => probeStream), (source) =>
      source !== undefined ? measure(source) : Effect.sync(() => onceMeter?.end()))
    : Effect.suspend(() => {
      const meter = meterFor(input.container)
      return meter === undefined ? measure(input.stream()) : meterAgain(meter)
    })

  return {
    input: { ...input, stream, blob: input.once ? async () => new Blob([await new Response(stream()).arrayBuffer()]) : input.blob, bytes: async () => new Uint8Array(await new Response(stream()).arrayBuffer()) },
    counted: () => ({ bytes, exceeded }),
    duration,
    close: () => probeReady(probeSource)
  }
}

export const isLimitExceeded = (u: unknown): boolean => u instanceof LimitExceeded
