/**
 * Every command's output, `--json` shape and errors, on fake vendors injected through `main`'s
 * io (no adapter, no network): transcribe, say, talk, image, providers, help.
 */
import { Audio } from "@patchbay/core"
import { readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { FakeImage, FakeLlm, fakeProvider, FakeStt, FakeTts } from "@patchbay/core/testing"
import { describe, expect, it } from "vitest"
import { questionFile } from "../src/Demo.ts"
import { cli, fakes, keyless } from "./support.ts"

const providers = [fakes(), keyless()]
const sniff = (file: string) => Audio.sniff(new Uint8Array(readFileSync(file)))?.container
const isPng = (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))

describe("transcribe", () => {
  it("prints the transcript as it is recognized, progress on stderr", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "fake/fake-stt", "--language", "en"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe("What is the tallest mountain?\n")
    expect(ran.stderr).toContain("transcribing question.mp3")
    expect(ran.stderr).toMatch(/transcribed \d+\.\d\d s of audio in .* \(fake\/fake-stt, language en\)/)
  })

  it("--json prints the transcript and voice_records.stt", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "fake/fake-stt", "--json"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stderr).toBe("")
    const doc = JSON.parse(ran.stdout)
    expect(doc).toMatchObject({
      file: questionFile,
      transcript: "What is the tallest mountain?",
      language: "en",
      voice_records: { stt: { provider: "fake", model: "fake-stt", transcript: "What is the tallest mountain?" } }
    })
    expect(doc.voice_records.stt.duration_seconds).toBeGreaterThan(2)
  })

  it("reads the file relative to the working directory", async () => {
    const ran = await cli(["transcribe", path.basename(questionFile), "--stt", "fake/fake-stt"], { providers, cwd: path.dirname(questionFile) })
    expect(ran.code).toBe(0)
  })
})

describe("say", () => {
  it("writes the audio as it streams, to speech.<ext> by default", async () => {
    const ran = await cli(["say", "Hello there. How are you?", "--tts", "fake/fake-tts", "--voice", "ada"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^speech\.mp3: mp3_24000, \d+\.\d\d s, 24 characters — fake\/fake-tts, voice ada\n$/)
    expect(sniff(path.join(ran.cwd, "speech.mp3"))).toBe("mp3")
    expect(ran.stderr).toContain("♪ speaking with fake/fake-tts, voice ada, mp3_24000 → speech.mp3")
    expect(ran.stderr).toMatch(/♪ first audio after/)
    expect(ran.stderr).toMatch(/♪ audio done: \d+ chunks/)
  })

  it("takes the format from -o's extension, and the model's first voice by default", async () => {
    const ran = await cli(["say", "Hi.", "--tts", "fake/fake-tts", "-o", "out/hi.wav"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stderr).toContain("voice: ada (the model's first; choose another with --voice)")
    expect(sniff(path.join(ran.cwd, "out/hi.wav"))).toBe("wav")
  })

  it("-o - writes the audio to stdout and every line of text to stderr", async () => {
    const ran = await cli(["say", "Hi.", "--tts", "fake/fake-tts", "--voice", "grace", "-o", "-"], { providers })
    expect(ran.code).toBe(0)
    expect(Audio.sniff(ran.stdoutBytes)?.container).toBe("mp3")
    expect(ran.stderr).toContain("stdout: mp3_24000")
  })

  it("--json prints the file and voice_records.tts", async () => {
    const ran = await cli(["say", "Hi.", "--tts", "fake/fake-tts", "--voice", "ada", "--json"], { providers })
    const doc = JSON.parse(ran.stdout)
    expect(doc).toMatchObject({
      output: path.join(ran.cwd, "speech.mp3"),
      media_type: "audio/mpeg",
      voice_records: { tts: { provider: "fake", model: "fake-tts", voice: "ada", output_format: "mp3_24000", characters: 3 } }
    })
  })
})

describe("talk", () => {
  it("shows the transcript, the streaming reply and the audio's progress, and writes the reply", async () => {
    const ran = await cli(
      ["talk", questionFile, "--stt", "fake/fake-stt", "--llm", "fake/fake-llm", "--tts", "fake/fake-tts", "--voice", "grace", "-o", "reply.mp3"],
      { providers }
    )
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^You: What is the tallest mountain\?\nAssistant: Mount Everest\. It is very tall\.\nreply\.mp3: mp3_24000, \d+\.\d\d s — fake\/fake-tts, voice grace\n$/)
    expect(ran.stderr).toContain("listening: question.mp3 → fake/fake-stt…")
    expect(ran.stderr).toContain("thinking: fake/fake-llm…")
    expect(ran.stderr).toMatch(/♪ audio chunk #\d+/)
    expect(sniff(path.join(ran.cwd, "reply.mp3"))).toBe("mp3")
  })

  it("--json has the transcript, the reply, the file and both records", async () => {
    const ran = await cli(["talk", questionFile, "--stt", "fake/fake-stt", "--llm", "fake/fake-llm", "--tts", "fake/fake-tts", "--json"], { providers })
    expect(ran.code).toBe(0)
    const doc = JSON.parse(ran.stdout)
    expect(doc).toMatchObject({
      transcript: "What is the tallest mountain?",
      content: "Mount Everest. It is very tall.",
      output: path.join(ran.cwd, "reply.mp3"),
      voice_records: { stt: { provider: "fake" }, tts: { provider: "fake", voice: "ada" } }
    })
    expect(doc.thread_id).toMatch(/^thr_/)
    expect(doc.usage).toBeTypeOf("object")
  })

  it("keeps streamed text whole on a terminal: progress lines start on their own line", async () => {
    const paced = fakeProvider({
      id: "fake",
      stt: FakeStt({ transcript: "What is the tallest mountain?" }),
      llm: FakeLlm({ reply: "Mount Everest. It is very tall.", tokensPerSecond: 10 }),
      tts: FakeTts({ chunks: 2 })
    })
    const ran = await cli(["talk", questionFile, "--stt", "fake/fake-stt", "--llm", "fake/fake-llm", "--tts", "fake/fake-tts"], { providers: [paced], tty: true })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^You: What is the tallest mountain\?\nAssistant: Mount Everest\. It is very tall\.\n/)
    // On one terminal the audio's progress sits inside the reply, on stderr: ⟨♪ …⟩ markers, not lines.
    expect(ran.stderr).toMatch(/^thinking: fake\/fake-llm…\n \u001b\[2m⟨♪ ada, mp3_24000 → reply\.mp3⟩\u001b\[22m \u001b\[2m⟨♪ [\d.]+ k?B after [\d.]+ s⟩/m)
    expect(ran.stderr).not.toMatch(/audio chunk #/)
  })
})

describe("image", () => {
  it("writes the image the model drew and prints the reply", async () => {
    const ran = await cli(["image", "Draw a robot", "--llm", "fake/fake-llm", "--image", "fake/fake-image", "-o", "robot.png"], { providers })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toMatch(/^Here is your robot\.\nrobot\.png: image\/png, 1×1, 70 B \(document_id doc_[A-Za-z0-9_-]{24}\)\n$/)
    expect(ran.stderr).toContain("generate_image {\"prompt\":\"a robot\"}")
    expect(isPng(new Uint8Array(readFileSync(path.join(ran.cwd, "robot.png"))))).toBe(true)
  })

  it("--json lists the images", async () => {
    const ran = await cli(["image", "Draw a robot", "--llm", "fake/fake-llm", "--image", "fake/fake-image", "--json"], { providers })
    const doc = JSON.parse(ran.stdout)
    expect(doc.content).toBe("Here is your robot.")
    expect(doc.images).toEqual([expect.objectContaining({ path: path.join(ran.cwd, "image.png"), media_type: "image/png", width: 1, height: 1 })])
  })

  it("fails in one line when the model does not draw", async () => {
    const shy = fakeProvider({ id: "fake", llm: FakeLlm({ reply: "I would rather not." }), image: FakeImage() })
    const ran = await cli(["image", "Draw", "--llm", "fake/fake-llm", "--image", "fake/fake-image"], { providers: [shy] })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/patchbay: .* \[NoImage\] — ask for an image explicitly/)
  })
})

describe("providers", () => {
  it("prints a table of providers, models and capabilities", async () => {
    const ran = await cli(["providers"], { providers })
    expect(ran.code).toBe(0)
    const lines = ran.stdout.split("\n")
    expect(lines[0]).toMatch(/^PROVIDER\s+MODEL\s+CAPABILITY\s+STREAMING\s+DETAILS$/)
    expect(ran.stdout).toMatch(/fake\s+fake-stt\s+stt\s+yes\s+in: wav mp3 ogg flac webm mp4 aac; ≤ 25 MiB\n/)
    expect(ran.stdout).toMatch(/fake\s+fake-tts\s+tts\s+yes\s+out: mp3 wav pcm ulaw alaw opus; default mp3_24000; voices: ada grace/)
    expect(ran.stdout).toMatch(/fake\s+fake-llm\s+llm\s+yes\s+tools\n/)
    expect(ran.stdout).toMatch(/fake\s+fake-image\s+image\s+no\s+edits \(image input\)\n/)
    expect(ran.stdout).toMatch(/nokey\s+fake-stt\s+stt/)
  })

  it("--json lists each provider's capabilities and catalogue", async () => {
    const ran = await cli(["providers", "--json"], { providers })
    const doc = JSON.parse(ran.stdout)
    expect(doc.providers.map((p: { id: string }) => p.id)).toEqual(["fake", "nokey"])
    expect(doc.providers[0].capabilities).toEqual(["stt", "tts", "llm", "image"])
    expect(doc.providers[0].models[0]).toMatchObject({ id: "fake-stt", provider: "fake", capability: "stt" })
  })
})

describe("errors: one line on stderr, the tagged error's message and what to do, non-zero exit", () => {
  it("missing file", async () => {
    const ran = await cli(["transcribe", "nope.mp3", "--stt", "fake/fake-stt"], { providers })
    expect(ran.code).toBe(1)
    expect(ran.stdout).toBe("")
    expect(ran.stderr).toBe(`patchbay: file not found: nope.mp3 [FileNotFound] — check the path (it is read relative to ${ran.cwd})\n`)
  })

  it("unknown provider", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "acme/listen-1"], { providers })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(
      /^patchbay: Unknown stt provider "acme" at voice\.stt\.provider; registered: "fake", "nokey"\. \[UnknownProvider\] — run `patchbay providers` to see the registered ones, and name one with --stt provider\/model\n$/m
    )
  })

  it("bad format: audio the model does not take", async () => {
    const cwd = (await cli(["--version"])).cwd
    writeFileSync(path.join(cwd, "noise.bin"), Uint8Array.from({ length: 64 }, (_, i) => i))
    const ran = await cli(["transcribe", "noise.bin", "--stt", "fake/fake-stt"], { providers, cwd })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/patchbay: Unsupported format .* at audio_file; allowed: .* \[UnsupportedFormat\] — convert the audio/)
  })

  it("bad format: a text file named .mp3 is not audio; an empty file is empty", async () => {
    const cwd = (await cli(["--version"])).cwd
    writeFileSync(path.join(cwd, "notes.mp3"), "not audio at all, just words")
    writeFileSync(path.join(cwd, "empty.mp3"), "")
    const text = await cli(["transcribe", "notes.mp3", "--stt", "fake/fake-stt"], { providers, cwd })
    expect(text.code).toBe(1)
    expect(text.stderr).toBe("transcribing notes.mp3 (28 B) with fake/fake-stt…\npatchbay: This is not audio (looks like text) at audio_file [UnsupportedFormat] — give the path of an audio recording\n")
    const empty = await cli(["transcribe", "empty.mp3", "--stt", "fake/fake-stt"], { providers, cwd })
    expect(empty.code).toBe(1)
    expect(empty.stderr).toBe("transcribing empty.mp3 (0 B) with fake/fake-stt…\npatchbay: The file is empty: no audio at audio_file [UnsupportedFormat] — give the path of an audio recording\n")
  })

  it("bad format: an output format the model cannot produce", async () => {
    const ran = await cli(["say", "Hi.", "--tts", "fake/fake-tts", "--voice", "ada", "--format", "mp5"], { providers })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/patchbay: Unsupported format "mp5" .* at voice\.tts\.output_format; allowed: .* \[UnsupportedFormat\] — choose one of the formats listed with --format/)
  })

  it("bad format: a model reference without a provider", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "whisper-1"], { providers })
    expect(ran.code).toBe(2)
    expect(ran.stderr).toBe(
      "patchbay: --stt \"whisper-1\" is not a model reference [UsageError] — write provider/model, e.g. --stt openai/whisper-1 (`patchbay providers` lists them)\n"
    )
  })

  it("missing key", async () => {
    const ran = await cli(["transcribe", questionFile, "--stt", "nokey/fake-stt"], { providers })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(
      /patchbay: No API key for nokey: set NOKEY_API_KEY or pass apiKey to the nokey\(\) factory \[MissingApiKey\] — set NOKEY_API_KEY or pass --replay <dir>\n$/
    )
  })

  it("missing keys: every vendor the command needs is named at once", async () => {
    const talk = await cli(["talk", questionFile, "--tts", "elevenlabs/eleven_flash_v2_5"])
    expect(talk.code).toBe(1)
    expect(talk.stderr.split("\n").filter((line) => !line.startsWith("loading ")).join("\n")).toBe( // loading: shown when slow
      "patchbay: No API key for openai and elevenlabs: set OPENAI_API_KEY and ELEVENLABS_API_KEY or pass apiKey to the openai() and elevenlabs() factories " +
        "[MissingApiKey] — set OPENAI_API_KEY and ELEVENLABS_API_KEY or pass --replay <dir>\n"
    )
    const image = await cli(["image", "a robot"], { env: { OPENAI_API_KEY: "sk-test-not-secret" } })
    expect(image.code).toBe(1)
    expect(image.stderr).toMatch(/patchbay: No API key for openrouter: set OPENROUTER_API_KEY .* \[MissingApiKey\] — set OPENROUTER_API_KEY or pass --replay <dir>\n$/)
  })

  it("a voice the model does not have", async () => {
    const ran = await cli(["say", "Hi.", "--tts", "fake/fake-tts", "--voice", "zelda"], { providers })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toMatch(/at voice\.tts\.voice: .* \[InvalidRequest\] — pass a voice the model has with --voice/)
  })

  it("--json also prints the error as JSON on stdout", async () => {
    const ran = await cli(["transcribe", "nope.mp3", "--stt", "fake/fake-stt", "--json"], { providers })
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout)).toEqual({ error: { tag: "FileNotFound", message: "file not found: nope.mp3", hint: `check the path (it is read relative to ${ran.cwd})` } })
  })

  it("usage errors exit 2: unknown command, unknown option, missing argument, extra argument", async () => {
    for (const [argv, message] of [
      [["hear"], "unknown command \"hear\""],
      [["transcribe", questionFile, "--nope"], "transcribe: Unknown option '--nope'"],
      [["say"], "say: missing the text to speak"],
      [["transcribe", "a.mp3", "b.mp3"], "transcribe: unexpected argument \"b.mp3\""]
    ] as const) {
      const ran = await cli(argv, { providers })
      expect(ran.code, argv.join(" ")).toBe(2)
      expect(ran.stderr).toContain(`patchbay: ${message}`)
      expect(ran.stderr.trim().split("\n")).toHaveLength(1)
    }
  })
})

describe("help", () => {
  it("--help prints the commands; each command has its own", async () => {
    const top = await cli(["--help"])
    expect(top.code).toBe(0)
    for (const command of ["transcribe", "listen", "say", "talk", "image", "providers", "demo"]) expect(top.stdout).toContain(`  ${command} `)
    for (const command of ["transcribe", "listen", "say", "talk", "image", "providers", "demo"]) {
      const ran = await cli([command, "--help"])
      expect(ran.code).toBe(0)
      expect(ran.stdout).toMatch(new RegExp(`^Usage: patchbay ${command}`))
    }
  })

  it("no command prints the usage to stderr and exits 2", async () => {
    const ran = await cli([])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toContain("Usage: patchbay <command>")
  })

  it("--version prints the package's version", async () => {
    const ran = await cli(["--version"])
    expect(ran.stdout).toMatch(/^\d+\.\d+\.\d+\n$/)
  })
})
