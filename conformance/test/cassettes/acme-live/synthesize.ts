/**
 * Writes the Acme Live realtime cassettes (`node test/cassettes/acme-live/synthesize.ts` from
 * `conformance/`): one session each, in the invented protocol of `../../support/AcmeRealtime.ts`,
 * over core's espeak-ng recording (`audio/speech.pcm`, "Patchbay turns speech into text and
 * back again.", 16 kHz s16le mono) sent in chunks of 16,000 bytes.
 */
import { statSync, writeFileSync } from "node:fs"

const here = new URL("./", import.meta.url)
const AUDIO = "audio/speech.pcm"
const CHUNK = 16_000
const size = statSync(new URL(AUDIO, here)).size
const TEXT = "Patchbay turns speech into text and back again."
const URL_ = "wss://live.acme.test/v1/listen?model=acme-listen-live&format=pcm_16000&language=en"

const chunk = (n: number) => ({ from: "client", json: { type: "audio", audio: { $base64: { file: AUDIO, start: n * CHUNK, end: Math.min(size, (n + 1) * CHUNK) } } } })
const server = (json: unknown, delay_ms: number) => ({ from: "server", json, delay_ms })
const ready = server({ type: "ready", session_id: "acme_live_1" }, 40)
const chunks = Math.ceil(size / CHUNK)

const cassette = (name: string, scenarioCase: string, description: string, messages: Array<unknown>, end: unknown, expect?: unknown) =>
  writeFileSync(
    new URL(name, here),
    `${JSON.stringify({
      version: 1,
      source: "synthesized",
      description,
      scenario: {
        capability: "stt",
        case: scenarioCase,
        operation: "realtime",
        request: { model: "acme-listen-live", language: "en", audio: { fixture: AUDIO }, audio_format: "pcm_16000", commit: "manual", chunk_bytes: CHUNK },
        ...(expect === undefined ? {} : { expect })
      },
      interactions: [],
      websocket: { url: URL_, messages, end }
    }, null, 2)}\n`
  )

const words = TEXT.split(" ")
const partialAfter = new Map([[2, 2], [4, 5], [5, 7]])
const success: Array<unknown> = [ready]
for (let n = 0; n < chunks; n++) {
  success.push(chunk(n))
  const count = partialAfter.get(n + 1)
  if (count !== undefined) success.push(server({ type: "partial", text: words.slice(0, count).join(" ") }, 120))
}
success.push({ from: "client", json: { type: "commit" } }, server({ type: "final", text: TEXT }, 200))
cassette("stt-realtime-success.json", "success", "A whole session: partials as the audio arrives, the final text on the commit the adapter sends at the end.", success, { by: "client", code: 1000 }, { text: TEXT })

const error = (code: string, message: string) => server({ type: "error", code, message }, 30)
cassette("stt-realtime-unauthorized.json", "unauthorized", "The key is refused in-band, before any audio.", [error("auth", "invalid key")], { by: "server", code: 1008, reason: "auth" })
cassette("stt-realtime-quota-exceeded.json", "quota_exceeded", "The account's quota runs out after the first chunk.", [ready, chunk(0), error("quota", "quota exhausted")], { by: "server", code: 1008, reason: "quota" })
cassette("stt-realtime-rate-limited.json", "rate_limited", "Too many sessions: refused after two chunks.", [ready, chunk(0), chunk(1), error("rate", "too many concurrent sessions")], { by: "server", code: 1008, reason: "rate" })
cassette("stt-realtime-invalid-request.json", "invalid_request", "The vendor refuses the audio.", [ready, chunk(0), error("input", "the audio is not 16 kHz PCM")], { by: "server", code: 1008, reason: "input" })
cassette("stt-realtime-unavailable.json", "unavailable", "The vendor drops the connection after two chunks, without a close frame.", [ready, chunk(0), chunk(1)], { by: "drop" })
