/**
 * Resilience: a vendor request is retried (429, 5xx, timeouts) while it has yielded nothing,
 * waiting at least the vendor's `retry-after`; a stage falls back to the next vendor of its
 * fallback list while it has produced no output; a vendor that goes silent past its stage's
 * timeout fails as `ProviderTimeout`. The records and events name the vendor that served.
 *
 * The vendors are deterministic fakes from `@patchbay/core/testing` (their call logs show what
 * each was asked and how each call ended), so this runs offline and without keys.
 *
 * Run it: `node packages/core/examples/resilience.ts` (Node 24, from the repo root).
 */
import { AuthenticationFailed, createPatchbay, defaultSettings, RateLimited } from "@patchbay/core"
import { FakeLlm, fakeProvider, FakeTts } from "@patchbay/core/testing"

const media = { secret: "example-secret" }

// 1. A 429 with retry-after: 1 on the first call, then success. The pipeline waits, then retries.
{
  const llm = FakeLlm({ reply: "Back on my feet.", failures: [new RateLimited({ provider: "fake", status: 429, retryAfter: 1 })] })
  const pb = createPatchbay({ providers: [fakeProvider({ id: "fake", llm })], defaults: { llm: { provider: "fake", model: "fake-llm" } }, media })
  const started = Date.now()
  const response = await pb.addMessage({ content: "Hello?" })
  const waited = Date.now() - started >= 950
  console.log(`retry: status ${response.status}, reply "${response.content}", llm calls ${llm.log.outcomes.join(", ")}, waited ~1 s: ${waited}`)
  await pb.dispose()
}

// 2. The primary TTS refuses the key (not retryable); the fallback on another provider, with its
//    own voice, serves before any audio went out.
{
  const primary = FakeTts({ failures: [new AuthenticationFailed({ provider: "fake", status: 401 })] })
  const backup = FakeTts({ firstByte: "10 millis" })
  const pb = createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: FakeLlm({ reply: "Hello from the backup voice." }), tts: primary }), fakeProvider({ id: "backup", tts: backup })],
    defaults: { llm: { provider: "fake", model: "fake-llm" } },
    media
  })
  const response = await pb.addMessage({
    content: "Say hello.",
    voice: {
      tts: {
        provider: "fake",
        model: "fake-tts",
        voice: "ada",
        fallback: [{ provider: "backup", model: "fake-tts", voice: "grace" }]
      }
    }
  })
  const tts = response.messages.at(-1)?.voice_records?.tts
  console.log(`tts fallback: voice_records.tts.provider ${tts?.provider}, voice ${tts?.voice}; primary calls ${primary.log.outcomes.join(", ")}; backup calls ${backup.log.outcomes.join(", ")}`)
  await pb.dispose()
}

// 3. An LLM that never answers: with a 200 ms LLM timeout and no retries, it fails as
//    ProviderTimeout and llm_fallback serves.
{
  const silent = FakeLlm({ firstToken: "1 hour" })
  const quick = FakeLlm({ reply: "Quick answer." })
  const pb = createPatchbay({
    providers: [fakeProvider({ id: "fake", llm: silent }), fakeProvider({ id: "backup", llm: quick })],
    settings: {
      timeouts: { ...defaultSettings.timeouts, llm: 200 },
      retry: { ...defaultSettings.retry, times: 0 }
    },
    media
  })
  const response = await pb.addMessage({
    content: "Anyone there?",
    llmProvider: "fake",
    modelName: "fake-llm",
    llmFallback: [{ provider: "backup", model: "fake-llm" }]
  })
  console.log(`llm fallback: status ${response.status}, model_provider ${response.model_provider}, model_name ${response.model_name}, reply "${response.content}"`)
  console.log(`llm fallback: silent calls ${silent.log.outcomes.join(", ")}; backup calls ${quick.log.outcomes.join(", ")}`)
  await pb.dispose()
}
