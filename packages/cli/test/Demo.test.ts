/**
 * `patchbay demo` end to end, from a fresh working directory, with no key and no network: the
 * real pipeline and the real adapters, vendor calls replayed from the shipped cassettes. Then:
 * a vendor whose key is set runs live (here against the synthesizing upstream instead of the
 * internet), `--replay` forces replay, and the shipped cassettes are what the adapters send
 * today (regenerated and compared).
 */
import { Cassette } from "@patchbay/conformance/cassette"
import { Audio, createPatchbay } from "@patchbay/core"
import { sqlite } from "@patchbay/sql"
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { makeCassettes } from "../demo/make-cassettes.ts"
import { durationOf, sha256, synthesizer } from "../demo/Synthesizer.ts"
import { cassettesDir, editPrompt, IMAGE_PROMPT, loadingNotice, QUESTION, questionFile, sections } from "../src/Demo.ts"
import { cli, type Ran, tempDir } from "./support.ts"

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const bytesOf = (file: string) => new Uint8Array(readFileSync(file))
const localModelDir = "/usr/share/pocketsphinx/model/en-us"
/** Whether a command is an executable on PATH: what decides if the offline section can run here. */
const onPath = (command: string) =>
  (process.env["PATH"] ?? "").split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK)
      return true
    } catch {
      return false
    }
  })

describe("patchbay demo, offline", () => {
  let ran: Ran
  beforeAll(async () => {
    ran = await cli(["demo"], { cwd: tempDir("patchbay-demo-") })
  }, 240_000)

  it("exits 0 and writes valid audio and images to ./out of the folder it ran in", () => {
    expect(ran.code, ran.stderr + ran.stdout.slice(-2000)).toBe(0)
    const out = path.join(ran.cwd, "out")
    const files = readdirSync(out)
    const audio = files.filter((f) => /\.(mp3|wav)$/.test(f))
    const images = files.filter((f) => f.endsWith(".png"))
    expect(audio).toEqual(
      expect.arrayContaining(["2-text-to-audio.mp3", "3-audio-to-audio.mp3", "4-provider-options.mp3", "5-read-aloud.mp3", "6-streaming.mp3", "10-client.mp3"])
    )
    expect(images.sort()).toEqual(["7-image-edited.png", "7-image.png"])
    for (const file of audio) {
      const bytes = bytesOf(path.join(out, file))
      expect(Audio.sniff(bytes)?.container, file).toBe(path.extname(file).slice(1))
    }
    for (const file of images) expect([...bytesOf(path.join(out, file)).subarray(0, 8)], file).toEqual(PNG)
  })

  it("the audio files are whole: their measured duration is that of a sentence or two", async () => {
    for (const file of ["2-text-to-audio.mp3", "3-audio-to-audio.mp3", "5-read-aloud.mp3", "6-streaming.mp3", "10-client.mp3"]) {
      const seconds = await durationOf(bytesOf(path.join(ran.cwd, "out", file)))
      expect(seconds, file).toBeGreaterThan(1)
      expect(seconds, file).toBeLessThan(15)
    }
  })

  it("the edit is a new image of the same thread, made from the first one's document_id", () => {
    expect(ran.stdout).toContain("final document_id: doc_patchbayreplay0000000001")
    expect(ran.stdout).toContain("Edit the generated image with document_id doc_patchbayreplay0000000001.")
    expect(ran.stdout).toContain("\"input_image_document_id\":\"doc_patchbayreplay0000000001\"")
    expect(ran.stdout).toContain("edited document_id: doc_patchbayreplay0000000002")
    expect(bytesOf(path.join(ran.cwd, "out/7-image-edited.png"))).not.toEqual(bytesOf(path.join(ran.cwd, "out/7-image.png")))
  })

  it("keeps its threads in the SQLite file out/patchbay.db, and says so: the image flow's thread is there after the demo", async () => {
    expect(ran.stdout).toMatch(/^Database: out\/patchbay\.db — SQLite, holding the demo's threads, messages, runs and media metadata \(made afresh each run\)$/m)
    expect(ran.stdout).toMatch(/^ {2}patchbay\.db +sqlite +[\d.]+ k?B$/m)
    const filename = path.join(ran.cwd, "out", "patchbay.db")
    expect(existsSync(filename)).toBe(true)
    const pb = createPatchbay({ providers: [], stores: sqlite({ filename }) })
    try {
      const edit = editPrompt("doc_patchbayreplay0000000001")
      const threads = await pb.threads.list({ limit: 100 })
      const read = await Promise.all(threads.map((thread) => pb.threads.get(thread.thread_id)))
      const image = read.filter((thread) => thread.messages.some((m) => m.role === "user" && m.content === IMAGE_PROMPT))
      expect(image).toHaveLength(1)
      expect(image[0]!.messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual([IMAGE_PROMPT, edit])
      expect(image[0]!.messages.filter((m) => m.role === "assistant")).toHaveLength(2)
      // every section's turns are there: one thread per section's conversation at least
      expect(threads.length).toBeGreaterThanOrEqual(7)
    } finally {
      await pb.dispose()
    }
  })

  it("the summary lists every file written, the records' .json too; printed numbers carry no floating-point noise", () => {
    const listed = /^Files in out\/ \(kind sniffed from the bytes\):\n((?: {2}.+\n)+)/m.exec(ran.stdout)?.[1] ?? ""
    const names = listed.split("\n").filter((l) => l !== "").map((l) => l.trim().split(/\s+/)[0])
    expect(names.sort()).toEqual(readdirSync(path.join(ran.cwd, "out")).sort())
    expect(listed).toMatch(/^ {2}2-text-to-audio\.json +json +[\d.]+ k?B$/m)
    expect(ran.stdout).not.toMatch(/\d\.\d*0000000\d/)
    expect(ran.stdout).not.toMatch(/\d\.\d*9999999\d/)
  })

  it("no two documents of the run share an id, though ids are repeatable in replay", () => {
    const sectionsOf = new Map<string, Set<string>>()
    const out = path.join(ran.cwd, "out")
    for (const file of readdirSync(out).filter((f) => f.endsWith(".json"))) {
      for (const id of readFileSync(path.join(out, file), "utf8").match(/doc_[\w-]{24}/g) ?? []) {
        sectionsOf.set(id, new Set([...(sectionsOf.get(id) ?? []), file.split("-")[0] ?? ""]))
      }
    }
    expect(sectionsOf.size).toBeGreaterThanOrEqual(6)
    for (const [id, sections] of sectionsOf) expect([...sections], id).toHaveLength(1)
  })

  it("prints what the seed prints, and every voice_records", () => {
    expect(ran.stdout).toContain(`Transcript: ${QUESTION}`)
    expect(ran.stdout).toMatch(/^Reply: .+$/m)
    expect(ran.stdout).toMatch(/^Audio URL: \/media\/doc_patchbayreplay0200000001\?exp=\d+&sig=[\w-]+$/m)
    expect(ran.stdout).toMatch(/^Audio URL: \/media\/doc_patchbayreplay0300000001\?exp=\d+&sig=[\w-]+$/m)
    expect(ran.stdout).toMatch(/^You: What is the tallest mountain in the world\?$/m)
    expect(ran.stdout).toMatch(/^Assistant: .*⟨♪ [\d.]+ k?B⟩/m)
    const records = ran.stdout.match(/^voice_records:$/gm) ?? []
    expect(records.length).toBeGreaterThanOrEqual(6)
    expect(ran.stdout).toContain("\"provider\": \"elevenlabs\"")
    expect(ran.stdout).toContain("\"model\": \"scribe_v2\"")
  })

  it("remembers a fact said in one thread and uses it in another thread of the same assistant and scope", () => {
    const section = /^== 9\. Memory.*\n((?:.+\n)+)/m.exec(ran.stdout)?.[1] ?? ""
    expect(section).toContain("Thread 1, you: Hi! I just moved to Oslo, and I love hiking.\n")
    expect(section).toContain("Memory operation COMPLETED: \"Lives in Oslo\", \"Loves hiking\"\n")
    expect(section).toContain("Retrieved: \"Loves hiking\", \"Lives in Oslo\"\n")
    expect(section).toMatch(/^Thread 2, assistant: .*Oslo\.$/m)
    const saved = JSON.parse(readFileSync(path.join(ran.cwd, "out", "9-memory.json"), "utf8"))
    expect(saved.second.thread_id).not.toBe(saved.first.thread_id)
    expect(saved.operation.status).toBe("COMPLETED")
  })

  it("runs mode 3 once more through @patchbay/client, against the server started in process on a loopback port", () => {
    const section = /^== 10\. Over HTTP.*\n((?:.+\n)+)/m.exec(ran.stdout)?.[1] ?? ""
    const lines = section.split("\n")
    expect(lines[0]).toMatch(/^Server: http:\/\/127\.0\.0\.1:\d+ \(toNodeHandler on node:http, in-memory stores, a key made in process\)$/)
    expect(lines[1]).toMatch(/^Client: createClient\(\{ baseUrl: "http:\/\/127\.0\.0\.1:\d+", apiKey \}\) — the question uploaded as a multipart stream$/)
    expect(lines[2]).toBe(`Transcript: ${QUESTION}`)
    // the same replayed vendors as mode 3 in process: the same reply
    const inProcess = /^== 3\. .*\n(?:.+\n)*?(Reply: .+)\n/m.exec(ran.stdout)?.[1]
    expect(lines[3]).toBe(inProcess)
    expect(lines[4]).toMatch(/^Audio URL: \/media\/doc_[\w-]{24}\?exp=\d+&sig=[\w-]+ \(on the server; read back with the key through pb\.media\.get\)$/)
    expect(lines[5]).toBe("Audio file: out/10-client.mp3")
    expect(bytesOf(path.join(ran.cwd, "out/10-client.mp3"))).toEqual(bytesOf(path.join(ran.cwd, "out/3-audio-to-audio.mp3")))
    expect(section).toMatch(/^vendor calls: openai \d+ replayed$/m)
  })

  it("streams a recording to scribe_v2_realtime with pb.listen: the replayed session's partials in order, the committed line, voice_records.stt", () => {
    const section = /^== 11\. Realtime .*\n((?:.+\n)+)/m.exec(ran.stdout)?.[1] ?? ""
    const lines = section.split("\n")
    expect(lines[0]).toMatch(/^Vendor: the replay WebSocket server on http:\/\/127\.0\.0\.1:\d+, playing realtime\/elevenlabs\.json with its recorded delays$/)
    expect(lines.slice(1, 9)).toEqual([
      "Input: speech-16000.pcm (2.57 s of pcm_16000) sent in 26 chunks, commit manual",
      "  … Patchbay",
      "  … Patchbay turns",
      "  … Patchbay turns speech into",
      "  … Patchbay turns speech into text and",
      "  … Patchbay turns speech into text and back",
      "  ✓ Patchbay turns speech into text and back again.",
      "Transcript: Patchbay turns speech into text and back again."
    ])
    expect(section).toContain("\"model\": \"scribe_v2_realtime\"")
    expect(section).toContain("\"audio_seconds\": 2.566625")
    expect(section).toMatch(/^vendor calls: elevenlabs 1 replayed$/m)
    const saved = JSON.parse(readFileSync(path.join(ran.cwd, "out", "11-realtime.json"), "utf8"))
    expect(saved.voice_records.stt).toMatchObject({ provider: "elevenlabs", model: "scribe_v2_realtime", language: "en", transcript: "Patchbay turns speech into text and back again." })
  })

  it("says plainly which vendor calls were replayed, and that none ran live", () => {
    expect(ran.stdout).toMatch(/^ {2}openai +replayed from .*demo\/cassettes \(set OPENAI_API_KEY to run it live\)$/m)
    expect(ran.stdout).toMatch(/cassettes synthesized from the vendors' published API specs .* not recorded from the live APIs/)
    expect(ran.stdout).toMatch(/^Vendor calls:\n {2}openai +\d+ replayed from the cassettes\n {2}elevenlabs +4 replayed from the cassettes\n {2}openrouter +2 replayed from the cassettes\n/m)
    expect(ran.stdout).toMatch(/^All \d+ vendor calls were replayed; none reached the network\.$/m)
    expect(ran.stdout).toMatch(/^vendor calls: openai 4 replayed, openrouter 2 replayed$/m)
    expect(ran.stdout).not.toMatch(/unmatched|not matched/)
  })

  it("runs the offline section exactly when this machine has espeak-ng and pocketsphinx, or says which is missing", () => {
    const local = /^== 8\. Offline.*\n(.*)$/m.exec(ran.stdout)?.[1] ?? ""
    const missing = [
      ...(onPath("espeak-ng") ? [] : ["espeak-ng"]),
      ...(onPath("pocketsphinx_continuous") && existsSync(localModelDir) ? [] : ["pocketsphinx"])
    ]
    if (missing.length > 0) {
      expect(local).toMatch(new RegExp(`^skipped: not installed: ${missing.join(" .*, ")}`))
      expect(ran.stdout).toMatch(/^Sections: 10 ran, 1 skipped \(8-local\)/m)
      return
    }
    expect(local).toMatch(/^pocketsphinx heard: .+/)
    const file = readdirSync(path.join(ran.cwd, "out")).find((f) => /^8-local\.(mp3|wav)$/.test(f))
    expect(file).toBeDefined()
    expect(Audio.sniff(bytesOf(path.join(ran.cwd, "out", file ?? "")))?.container).toBe(onPath("ffmpeg") ? "mp3" : "wav")
    expect(ran.stdout).toMatch(/^Sections: 11 ran$/m)
  })
})

describe("patchbay demo with keys and options", () => {
  it("a vendor whose key is set runs live; a section it shares with a replayed vendor is replayed whole", async () => {
    const question = bytesOf(questionFile)
    const upstream = synthesizer({ known: [{ sha256: sha256(question), text: QUESTION, duration: await durationOf(question) }], delayMs: 0 })
    const live: Array<string> = []
    const fetch: typeof globalThis.fetch = (input, init) => {
      live.push(String(input instanceof Request ? input.url : input))
      return upstream(input, init)
    }
    const ran = await cli(["demo", "1", "5", "7"], { env: { OPENAI_API_KEY: "sk-live-test" }, fetch })
    expect(ran.code, ran.stdout.slice(-1500)).toBe(0)
    expect(ran.stdout).toMatch(/^ {2}openai +live \(OPENAI_API_KEY is set\)$/m)
    expect(ran.stdout).toMatch(/^ {2}elevenlabs +replayed from /m)
    expect(ran.stdout).toMatch(/^vendor calls: openai 2 live$/m) // section 1
    expect(ran.stdout).toMatch(/^vendor calls: elevenlabs 2 replayed$/m) // section 5
    expect(ran.stdout).toMatch(/^\(replayed whole: OPENROUTER_API_KEY unset, and a replayed call matches only what the cassettes sent\)$/m) // section 7
    expect(ran.stdout).toMatch(/^ {2}openai +4 replayed from the cassettes, 2 live$/m)
    expect(ran.stdout).toMatch(/^8 vendor calls were replayed and 2 ran live\.$/m)
    expect(live).toEqual(["https://api.openai.com/v1/audio/transcriptions", "https://api.openai.com/v1/chat/completions"])
  }, 240_000)

  it("with a key set and no network: says how many live calls failed, not that they ran live, and suggests --replay", async () => {
    const noNetwork: typeof globalThis.fetch = (input) => {
      const host = new URL(String(input instanceof Request ? input.url : input)).host
      return Promise.reject(new TypeError("fetch failed", { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }) }))
    }
    const ran = await cli(["demo", "5"], { env: { ELEVENLABS_API_KEY: "el-live-test" }, fetch: noNetwork })
    expect(ran.code).toBe(1)
    expect(ran.stdout).toMatch(/^failed: patchbay: Provider unavailable \(elevenlabs\): the host api\.elevenlabs\.io could not be resolved .* \[ProviderUnavailable\] — check the network connection or the base URL, or pass --replay <dir>$/m)
    const failed = Number(/^vendor calls: elevenlabs (\d+) live failed$/m.exec(ran.stdout)?.[1])
    expect(failed).toBeGreaterThan(0)
    expect(ran.stdout).toMatch(new RegExp(`^ {2}elevenlabs +${failed} live failed without an answer$`, "m"))
    expect(ran.stdout).toMatch(new RegExp(`^0 vendor calls were replayed, 0 ran live and ${failed} live calls failed without an answer\\.$`, "m"))
    expect(ran.stdout).toMatch(/^The live calls failed for lack of network: to run the demo offline, replay the shipped cassettes with `patchbay demo --replay .*demo\/cassettes`\.$/m)
    expect(ran.stdout).not.toMatch(/ran live\.$/m)
  }, 240_000)

  it("--replay <dir> replays whatever keys are set; --out names the folder; --json summarizes", async () => {
    const ran = await cli(["demo", "2", "--replay", cassettesDir, "--out", "voice", "--json"], { env: { OPENAI_API_KEY: "sk-live-test" } })
    expect(ran.code).toBe(0)
    const doc = JSON.parse(ran.stdout)
    expect(doc.out).toBe(path.join(ran.cwd, "voice"))
    expect(doc.sections).toEqual([{ id: "2-text-to-audio", title: expect.any(String), status: "ok", served: "replay" }])
    expect(doc.calls.openai).toEqual({ replayed: 2, unmatched: 0, live: 0, failed: 0, no_network: 0 })
    expect(doc.files).toEqual([
      { path: path.join(ran.cwd, "voice/2-text-to-audio.mp3"), bytes: expect.any(Number), kind: "mp3" },
      { path: path.join(ran.cwd, "voice/2-text-to-audio.json"), bytes: expect.any(Number), kind: "json" },
      { path: path.join(ran.cwd, "voice/patchbay.db"), bytes: expect.any(Number), kind: "sqlite" }
    ])
  }, 120_000)

  it("cassettes that do not match fail the section in one line and the demo exits 1", async () => {
    const ran = await cli(["demo", "5", "--replay", tempDir("patchbay-empty-")])
    expect(ran.code).toBe(1)
    expect(ran.stdout).toMatch(/^failed: patchbay: .*no interaction of the elevenlabs cassettes .* \[InvalidRequest\] — the cassettes have no interaction for this request/m)
    expect(ran.stderr).toMatch(/^patchbay demo: 1 section failed: 5-read-aloud/m)
  }, 120_000)

  it("the loading notice is the one docs/cli.md quotes", () => {
    expect(loadingNotice).toBe("loading @patchbay/openai, @patchbay/elevenlabs, @patchbay/openrouter, @patchbay/local…")
    const guide = readFileSync(new URL("../../../docs/cli.md", import.meta.url), "utf8").replace(/\n\s*/g, " ")
    expect(guide).toContain(`\`${loadingNotice}\``)
  })

  it("--help says how to choose sections, and lists them", async () => {
    const ran = await cli(["demo", "--help"])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^Usage: patchbay demo \[<section>…\]/)
    expect(ran.stdout).toContain("name some by number or id to run only those, e.g. `patchbay demo 1 7`")
    expect(ran.stdout).toMatch(/^ {2}7-image-tool$/m)
  })

  it("an unknown section is a usage error", async () => {
    const ran = await cli(["demo", "12"])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain(`patchbay: demo: no section "12" [UsageError] — the sections are ${sections.map((s) => s.id).join(", ")}`)
  })
})

describe("the shipped cassettes", () => {
  it("are labelled synthesized, never recorded", () => {
    const loaded = Cassette.loadDirectorySync(cassettesDir)
    expect(loaded.map((c) => c.name).sort()).toEqual(["elevenlabs.json", "openai.json", "openrouter.json"])
    for (const c of loaded) expect(c.cassette.source, c.name).toBe("synthesized")
    const session = Cassette.loadSync(path.join(cassettesDir, "realtime", "elevenlabs.json")).cassette
    expect(session.source).toBe("synthesized")
    expect(session.websocket?.url).toMatch(/^wss:\/\/api\.elevenlabs\.io\/v1\/speech-to-text\/realtime\?model_id=scribe_v2_realtime&/)
  })

  it("the realtime session is the one @patchbay/elevenlabs's battery plays", () => {
    const battery = Cassette.loadSync(new URL("../../../adapters/elevenlabs/test/cassettes/stt-realtime-success.json", import.meta.url)).cassette
    const { description: _ours, ...demo } = Cassette.loadSync(path.join(cassettesDir, "realtime", "elevenlabs.json")).cassette
    const { description: _theirs, ...rest } = battery
    expect(demo).toEqual(rest)
  })

  it("hold exactly what the adapters send today (make-cassettes.ts regenerates the same requests)", async () => {
    const dir = tempDir("patchbay-cassettes-")
    await makeCassettes({ dir, delayMs: 0 })
    const requests = (d: string, name: string) => Cassette.loadSync(path.join(d, name)).cassette.interactions.map((i) => i.request)
    for (const name of ["openai.json", "elevenlabs.json", "openrouter.json"]) {
      expect(requests(dir, name), name).toEqual(requests(cassettesDir, name))
    }
  }, 240_000)
})
