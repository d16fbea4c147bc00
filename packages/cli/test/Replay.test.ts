/**
 * The commands on the real adapters: vendor calls served from the demo's cassettes with
 * `--replay`, or refused for want of a key. No network (the live `fetch` throws), no keys.
 */
import { Audio } from "@patchbay/core"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { cassettesDir, ELEVENLABS_VOICE, IMAGE_PROMPT, QUESTION, questionFile, READ_ALOUD } from "../src/Demo.ts"
import { knownCapabilities, loadFactories, loadLocal } from "../src/Providers.ts"
import { cli, tempDir } from "./support.ts"

const replay = ["--replay", cassettesDir]

describe("--replay <dir>: the real adapters answered by cassettes", () => {
  it("transcribe", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "openai/whisper-1", "--language", "en", ...replay])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe(`${QUESTION}\n`)
    expect(ran.stderr).toContain(`openai: 1 call replayed from the cassettes in ${cassettesDir}`)
  })

  it("transcribe --json", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "elevenlabs/scribe_v2", "--language", "en", "--json", ...replay], {})
    // The demo asked scribe_v2 with diarize and word timestamps: without them the request differs.
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout).error.hint).toMatch(/the cassettes have no interaction for this request/)
  })

  it("say: ElevenLabs, the read-aloud of the demo", async () => {
    const ran = await cli(
      ["say", READ_ALOUD, "--tts", "elevenlabs/eleven_flash_v2_5", "--voice", ELEVENLABS_VOICE, "--format", "mp3_22050_32", "-o", "read.mp3", ...replay]
    )
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^read\.mp3: mp3_22050_32, \d+\.\d\d s, \d+ characters — elevenlabs\/eleven_flash_v2_5, voice JBFqnCBsd6RMkjVDRZzb\n$/)
    expect(Audio.sniff(new Uint8Array(readFileSync(path.join(ran.cwd, "read.mp3"))))?.container).toBe("mp3")
    expect(ran.stderr).toContain("elevenlabs: 2 calls replayed")
  })

  it("talk: the demo's streaming turn", async () => {
    const ran = await cli([
      "talk",
      questionFile,
      "--stt",
      "openai/gpt-4o-mini-transcribe",
      "--llm",
      "openai/gpt-4.1",
      "--tts",
      "openai/gpt-4o-mini-tts",
      "--voice",
      "alloy",
      "--language",
      "en",
      ...replay
    ])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(new RegExp(`^You: ${QUESTION.replace("?", "\\?")}\nAssistant: .+\nreply\\.mp3: mp3, \\d+\\.\\d\\d s — openai/gpt-4o-mini-tts, voice alloy\n$`))
    expect(ran.stderr).toMatch(/♪ first audio after/)
    expect(ran.stderr).toMatch(/openai: [45] calls replayed/)
    expect(Audio.sniff(new Uint8Array(readFileSync(path.join(ran.cwd, "reply.mp3"))))?.container).toBe("mp3")
  })

  it("image: the seed's prompt", async () => {
    const ran = await cli(["image", IMAGE_PROMPT, "--llm", "openai/gpt-4.1", "--image", "openrouter/google/gemini-3.1-flash-image-preview", "-o", "robot.png", ...replay])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/robot\.png: image\/png, 128×128, \d+ B \(document_id doc_patchbayreplay0000000001\)/)
    const png = new Uint8Array(readFileSync(path.join(ran.cwd, "robot.png")))
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(ran.stderr).toContain("openai: 2 calls replayed")
    expect(ran.stderr).toContain("openrouter: 1 call replayed")
  })

  it("providers says the vendors are replayed, and which local programs exist", async () => {
    const ran = await cli(["providers", ...replay])
    expect(ran.code).toBe(0)
    for (const id of ["openai", "elevenlabs", "openrouter"]) expect(ran.stdout).toMatch(new RegExp(`^  ${id}\\s+replayed from ${cassettesDir}$`, "m"))
    expect(ran.stdout).toMatch(/^local programs \(@patchbay\/local\):\n {2}espeak-ng +[✓✗] /m)
    expect(ran.stdout).toMatch(/^openrouter\s+google\/gemini-3\.1-flash-image-preview\s+image\s+/m)
  })

  it("a directory that does not exist is a usage error", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "openai/whisper-1", "--replay", "no-such-dir"])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toMatch(/patchbay: --replay: no directory .*no-such-dir \[UsageError\]/)
  })
})

describe("without a key and without --replay", () => {
  it.each([
    ["transcribe", questionFile, "--stt", "openai/whisper-1", "OPENAI_API_KEY", "openai"],
    ["transcribe", questionFile, "--stt", "elevenlabs/scribe_v2", "ELEVENLABS_API_KEY", "elevenlabs"],
    ["image", "a robot", "--llm", "openrouter/openai/gpt-4.1", "OPENROUTER_API_KEY", "openrouter"]
  ])("%s %s %s %s: MissingApiKey, with what to do", async (command, input, flag, ref, variable, provider) => {
    const ran = await cli([command, input, flag, ref])
    expect(ran.code).toBe(1)
    expect(ran.stderr.trim().split("\n").at(-1)).toBe(
      `patchbay: No API key for ${provider}: set ${variable} or pass apiKey to the ${provider}() factory [MissingApiKey] — set ${variable} or pass --replay <dir>`
    )
  })

  it("a key in the environment is used live (here a fetch that records the call)", async () => {
    const seen: Array<string> = []
    const fake: typeof fetch = async (input) => {
      seen.push(String(input instanceof Request ? input.url : input))
      return new Response(JSON.stringify({ error: { message: "Incorrect API key provided", type: "invalid_request_error", param: null, code: "invalid_api_key" } }), {
        status: 401,
        headers: { "content-type": "application/json" }
      })
    }
    const ran = await cli(["transcribe", questionFile, "--stt", "openai/whisper-1"], { env: { OPENAI_API_KEY: "sk-test" }, fetch: fake })
    expect(seen).toEqual(["https://api.openai.com/v1/audio/transcriptions"])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/\[AuthenticationFailed\] — check OPENAI_API_KEY\n$/)
    expect(ran.stderr).toContain("openai: 1 call live (OPENAI_API_KEY is set)")
  })
})

describe("the providers the CLI knows without loading them", () => {
  it("match what the adapters declare", async () => {
    const factories = await loadFactories()
    const local = await loadLocal()
    const actual: Record<string, ReadonlyArray<string>> = {}
    for (const [id, factory] of factories) {
      if (factory instanceof Error) throw factory
      const provider = factory({ apiKey: "x" })
      actual[id] = (["stt", "tts", "llm", "image", "embedding"] as const).filter((c) => provider[c] !== undefined)
    }
    if (local instanceof Error) throw local
    actual["local"] = (["stt", "tts", "llm", "image", "embedding"] as const).filter((c) => local.provider[c] !== undefined)
    expect(actual).toEqual(knownCapabilities)
  })

  it("list the same catalogues from the quicker listing entries as from the adapters", async () => {
    const [full, listing] = await Promise.all([loadFactories(), loadFactories(undefined, true)])
    for (const [id, factory] of full) {
      const listed = listing.get(id)
      if (factory instanceof Error) throw factory
      if (listed instanceof Error || listed === undefined) throw listed ?? new Error(`no listing for ${id}`)
      const [a, b] = [factory({ apiKey: "x" }), listed({ apiKey: "x" })]
      expect([b.id, b.models], id).toEqual([a.id, a.models])
    }
  })

  it("a provider it does not know fails before any adapter loads", async () => {
    const ran = await cli(["say", "hi", "--tts", "acme/voice-1", "--voice", "x"], { cwd: tempDir() })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toBe(
      "patchbay: Unknown tts provider \"acme\" at voice.tts.provider; registered: \"openai\", \"elevenlabs\", \"local\". [UnknownProvider] — run `patchbay providers` to see the registered ones, and name one with --tts provider/model\n"
    )
  })
})
