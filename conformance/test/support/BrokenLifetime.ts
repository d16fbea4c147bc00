/**
 * Broken variants of the example adapter whose bugs only show in time: something of theirs
 * outlives the request, or they add time of their own. `dispose()` clears the timers they left,
 * so the test run itself ends.
 */
import { Effect } from "effect"
import type { MakeProvider } from "../../src/index.ts"
import { acmeVoice } from "../../examples/acme-voice/src/index.ts"

const left = new Set<ReturnType<typeof setTimeout>>()

/** Clears every timer the broken variants left behind. */
export const dispose = (): void => {
  for (const timer of left) clearTimeout(timer)
  left.clear()
}

/**
 * Arms a one-hour request deadline around each transcription request and clears it only when
 * `fetch` resolves — the ElevenLabs SDK's bug: a request that never got an answer (cancelled, or
 * no network) leaves the timer running, and the program does not exit for an hour.
 */
export const keepsDeadlineTimer: MakeProvider = ({ fetch, apiKey }) =>
  acmeVoice({
    apiKey,
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : String(input)
      if (!url.includes("/transcriptions")) return fetch(input, init)
      const deadline = setTimeout(() => {}, 3_600_000)
      left.add(deadline)
      const response = await fetch(input, init)
      clearTimeout(deadline)
      left.delete(deadline)
      return response
    }
  })

/**
 * Waits 100 ms after the vendor's transcript before handing it over ("to smooth bursts"): time of
 * its own in every record's latency, which nothing but the latency check can see.
 */
export const waitsAfterTranscript: MakeProvider = (options) => {
  const provider = acmeVoice(options)
  const stt = provider.stt!
  return { ...provider, stt: { ...stt, transcribe: (request) => Effect.tap(stt.transcribe(request), () => Effect.sleep("100 millis")) } }
}
