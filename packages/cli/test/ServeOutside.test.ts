/**
 * The server checked from outside, as docs/server.md drives it: `patchbay keys create` makes a
 * key, `patchbay serve --config packages/server/examples/fake.config.ts` runs as a child process
 * on a loopback port over a SQLite file (the fake vendors behind it), and plain `fetch` and
 * Debian's `curl` — with the page's own arguments — send a JSON message, a multipart upload of a
 * real mp3, a streamed message read line by line, and a memory round trip. SIGTERM stops the
 * child, which exits 0. `curl` must be installed (`.ci/run` installs it): a missing one fails
 * these tests, it does not skip them.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const config = fileURLToPath(new URL("../../server/examples/fake.config.ts", import.meta.url))
const mp3 = fileURLToPath(new URL("../../core/test/fixtures/audio/speech.mp3", import.meta.url))
const dir = mkdtempSync(path.join(tmpdir(), "patchbay-outside-"))
const db = path.join(dir, "patchbay.db")

/** Every wait of these tests is bounded: a child that hangs fails them instead. */
const BOUND_MS = 30_000

/** The environment of the children: no vendor key can reach them. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/_API_KEY$/.test(name) && name !== "PATCHBAY_LIVE" && name !== "PATCHBAY_RECORD")
)

let child: ChildProcess | undefined
let exited: Promise<number | null> = Promise.resolve(null)
/** The server's URL and the key, as docs/server.md names them. */
let B = ""
let K = ""

/** Starts `patchbay serve`; resolves with its URL once it prints it, fails past the bound. */
const serve = () =>
  new Promise<string>((resolve, reject) => {
    const started = spawn(process.execPath, [bin, "serve", "--config", config, "--port", "0", "--db", db, "--media-dir", path.join(dir, "media")], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    child = started
    exited = new Promise((done) => started.once("exit", (code) => done(code)))
    const timer = setTimeout(() => reject(new Error(`serve did not listen within ${BOUND_MS} ms: ${stderr}`)), BOUND_MS)
    let stdout = ""
    let stderr = ""
    started.stderr!.on("data", (chunk) => (stderr += chunk))
    started.stdout!.on("data", (chunk) => {
      stdout += chunk
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    started.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited ${code}: ${stderr}`))
    })
  })

/** Runs Debian's curl with the given arguments (as docs/server.md writes them, after `curl`); fails when curl is missing. */
const curl = (...args: ReadonlyArray<string>): string => {
  const ran = spawnSync("curl", args, { cwd: dir, encoding: "utf8", timeout: BOUND_MS })
  if (ran.error !== undefined) throw new Error(`curl could not run (install Debian's curl): ${ran.error.message}`)
  expect(ran.status).toBe(0)
  return ran.stdout
}

/** The JSON curl printed. */
const curlJson = (...args: ReadonlyArray<string>) => JSON.parse(curl(...args))

/** Reads curl's stdout line by line as it streams (`curl -sN`), until it ends; bounded. */
const curlLines = (...args: ReadonlyArray<string>) =>
  new Promise<ReadonlyArray<string>>((resolve, reject) => {
    const ran = spawn("curl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
    const lines: Array<string> = []
    const timer = setTimeout(() => {
      ran.kill("SIGKILL")
      reject(new Error(`curl did not finish within ${BOUND_MS} ms`))
    }, BOUND_MS)
    ran.once("error", (error) => {
      clearTimeout(timer)
      reject(new Error(`curl could not run (install Debian's curl): ${error.message}`))
    })
    createInterface({ input: ran.stdout! }).on("line", (line) => lines.push(line))
    ran.once("close", (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(lines)
      else reject(new Error(`curl exited ${code}`))
    })
  })

/** The JSON of each `data:` line, in order. */
const eventsOf = (lines: ReadonlyArray<string>) =>
  lines.filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice("data: ".length)) as { readonly type: string } & Record<string, unknown>)

beforeAll(async () => {
  const created = spawnSync(process.execPath, [bin, "keys", "create", "--tenant", "demo", "--db", db], { cwd: dir, env, encoding: "utf8", timeout: BOUND_MS })
  expect(created.status).toBe(0)
  K = created.stdout.trim()
  expect(K).toMatch(/^pb_[A-Za-z0-9_-]{43}$/)
  copyFileSync(mp3, path.join(dir, "speech.mp3"))
  B = await serve()
}, BOUND_MS * 2)

afterAll(async () => {
  // Bounded: a child still alive here (a failed test) is killed outright.
  if (child !== undefined && child.exitCode === null) child.kill("SIGKILL")
  await exited
  rmSync(dir, { recursive: true, force: true })
})

describe("patchbay serve, from outside", () => {
  it("curl: health, and a 401 without a key", () => {
    expect(curlJson("-s", `${B}/health`)).toEqual({ status: "ok" })
    const head = curl("-s", "-i", `${B}/threads`)
    expect(head).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/)
    expect(head).toMatch(/\r\nx-should-retry: false\r\n/)
    expect(head).toMatch(/\r\nx-request-id: req_[0-9a-f]{32}\r\n/)
    expect(head.split("\r\n\r\n")[1]).toBe(
      "{\"detail\":\"Missing API key: send a Patchbay key as X-API-Key or Authorization: Bearer\",\"code\":\"Unauthorized\",\"retryable\":false,\"reason\":\"missing\"}"
    )
  })

  it("a JSON message, with curl and with fetch", async () => {
    const byCurl = curlJson("-s", `${B}/threads/messages`, "-H", `X-API-Key: ${K}`, "-H", "content-type: application/json", "-d", "{\"content\":\"Hello?\"}")
    const response = await fetch(`${B}/threads/messages`, {
      method: "POST",
      headers: { "x-api-key": K, "content-type": "application/json" },
      body: JSON.stringify({ content: "Hello?" })
    })
    expect(response.status).toBe(200)
    const byFetch = await response.json()
    for (const body of [byCurl, byFetch]) {
      expect(body).toMatchObject({
        content: "Hello! How can I help?",
        assistant_id: "asst_default",
        status: "completed",
        model_provider: "fake",
        model_name: "fake-llm",
        retrieved_memories: [],
        memory_operation_id: null,
        warnings: []
      })
      expect(body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([["user", "Hello?"], ["assistant", "Hello! How can I help?"]])
    }
  })

  it("a multipart upload of a real mp3, with curl and with fetch", async () => {
    const byCurl = curlJson(
      "-s",
      `${B}/threads/messages`,
      "-H",
      `X-API-Key: ${K}`,
      "-F",
      "voice={\"stt\":{\"provider\":\"fake\",\"model\":\"fake-stt\",\"language\":\"en\"}}",
      "-F",
      "send_to_llm=false",
      "-F",
      "audio_file=@speech.mp3"
    )
    const form = new FormData()
    form.append("voice", JSON.stringify({ stt: { provider: "fake", model: "fake-stt", language: "en" } }))
    form.append("send_to_llm", "false")
    form.append("audio_file", new Blob([readFileSync(mp3)], { type: "audio/mpeg" }), "speech.mp3")
    const response = await fetch(`${B}/threads/messages`, { method: "POST", headers: { "x-api-key": K }, body: form })
    expect(response.status).toBe(200)
    const byFetch = await response.json()
    for (const body of [byCurl, byFetch]) {
      expect(body).toMatchObject({ content: "Hello there.", status: "completed" })
      expect(body.messages).toHaveLength(1)
      expect(body.messages[0].voice_records.stt).toMatchObject({ provider: "fake", model: "fake-stt", language: "en", transcript: "Hello there." })
      // the real mp3's duration, probed from its bytes
      expect(body.messages[0].voice_records.stt.duration_seconds).toBeCloseTo(2.664, 3)
    }
  })

  it("a streamed message, read line by line from curl -sN and from fetch", async () => {
    const lines = await curlLines("-sN", `${B}/threads/messages`, "-H", `X-API-Key: ${K}`, "-H", "content-type: application/json", "-d", "{\"content\":\"Hello?\",\"stream\":true}")
    const response = await fetch(`${B}/threads/messages`, {
      method: "POST",
      headers: { "x-api-key": K, "content-type": "application/json" },
      body: JSON.stringify({ content: "Hello?", stream: true })
    })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const fetched: Array<string> = []
    let rest = ""
    for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
      rest += chunk
      let newline: number
      while ((newline = rest.indexOf("\n")) !== -1) {
        fetched.push(rest.slice(0, newline))
        rest = rest.slice(newline + 1)
      }
    }
    for (const read of [lines, fetched]) {
      expect(read.filter((line) => line !== "").every((line) => line.startsWith("data: "))).toBe(true)
      const events = eventsOf(read)
      expect(events.map((e) => e.type)).toEqual(["run_started", ...Array(5).fill("content_streaming"), "run_ended"])
      expect(events.map((e) => e["content"]).filter((c) => c !== undefined).join("")).toBe("Hello! How can I help?")
      expect(events.map((e) => e["seq"])).toEqual([0, 1, 2, 3, 4, 5, 6])
      expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "completed", memory_operation_id: null })
    }
  })

  it("a memory round trip: a fact said in one thread is kept, listed, searched and used in another", async () => {
    const assistant = curlJson("-s", `${B}/assistants`, "-H", `X-API-Key: ${K}`, "-H", "content-type: application/json", "-d", "{\"name\":\"Concierge\",\"memory\":\"Auto\"}")
    const A = assistant.assistant_id as string
    expect(assistant).toMatchObject({ name: "Concierge", memory: "Auto" })

    const first = curlJson(
      "-s",
      `${B}/threads/messages`,
      "-H",
      `X-API-Key: ${K}`,
      "-H",
      "content-type: application/json",
      "-d",
      `{"content":"Hi! I live in Oslo.","assistant_id":"${A}","memory_scope":"user_42"}`
    )
    expect(first).toMatchObject({ status: "completed", retrieved_memories: [] })
    const OP = first.memory_operation_id as string
    expect(OP).toMatch(/^memop_/)

    // The write runs after the response: poll its operation (a bounded count of polls).
    let operation = curlJson("-s", `${B}/assistants/memories/operations/${OP}`, "-H", `X-API-Key: ${K}`)
    for (let i = 0; i < 300 && operation.status === "IN_PROGRESS"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
      operation = await (await fetch(`${B}/assistants/memories/operations/${OP}`, { headers: { "x-api-key": K } })).json()
    }
    expect(operation).toMatchObject({ operation_id: OP, status: "COMPLETED", error: null, raw_output: null, events: [{ event: "ADD" }] })
    const M = operation.events[0].memory_id as string

    expect(curlJson("-s", `${B}/assistants/${A}/memories?memory_scope=user_42`, "-H", `X-API-Key: ${K}`)).toMatchObject({
      memories: [{ id: M, content: "Lives in Oslo", memory_scope: "user_42", metadata: {} }],
      total_count: 1,
      page: 1,
      page_size: 100,
      total_pages: 1
    })
    expect(curlJson("-s", `${B}/assistants/${A}/memories/search`, "-H", `X-API-Key: ${K}`, "-H", "content-type: application/json", "-d", "{\"query\":\"Where do I live?\",\"memory_scope\":\"user_42\"}"))
      .toEqual([{ id: M, memory: "Lives in Oslo", score: 1 / 61 }])

    const second = await (await fetch(`${B}/threads/messages`, {
      method: "POST",
      headers: { "x-api-key": K, "content-type": "application/json" },
      body: JSON.stringify({ content: "Where do I live?", assistant_id: A, memory: "Readonly", memory_scope: "user_42" })
    })).json()
    expect(second).toMatchObject({ content: "I remember: Lives in Oslo.", memory_operation_id: null, retrieved_memories: [{ id: M, memory: "Lives in Oslo", score: 1 / 61 }] })
    expect(second.thread_id).not.toBe(first.thread_id)

    // streamed as multipart, read line by line: memory_retrieved before the LLM's first words
    const lines = await curlLines(
      "-sN",
      `${B}/threads/messages`,
      "-H",
      `X-API-Key: ${K}`,
      "-F",
      "content=Where do I live?",
      "-F",
      `assistant_id=${A}`,
      "-F",
      "memory=Readonly",
      "-F",
      "memory_scope=user_42",
      "-F",
      "stream=true"
    )
    const events = eventsOf(lines)
    expect(events.map((e) => e.type).slice(0, 3)).toEqual(["run_started", "memory_retrieved", "content_streaming"])
    expect(events[1]).toMatchObject({ memories: [{ id: M, memory: "Lives in Oslo", score: 1 / 61 }] })
    expect(events.at(-1)).toMatchObject({ type: "run_ended", status: "completed" })

    const deleted = curlJson("-s", `${B}/assistants/${A}/memories/${M}`, "-X", "DELETE", "-H", `X-API-Key: ${K}`)
    expect(deleted).toMatchObject({ id: M, deleted_at: expect.any(String) })
    expect(curlJson("-s", `${B}/assistants/${A}/memories/${M}/restore`, "-X", "POST", "-H", `X-API-Key: ${K}`)).toMatchObject({ id: M })
    const history = curlJson("-s", `${B}/assistants/${A}/memories/${M}/history`, "-H", `X-API-Key: ${K}`)
    expect(history.map((h: { event: string; operation_id: string | null }) => [h.event, h.operation_id])).toEqual([["ADD", OP], ["DELETE", null], ["RESTORE", null]])
    expect(curlJson("-s", `${B}/assistants/${A}/memories/stats`, "-H", `X-API-Key: ${K}`)).toEqual({ total_count: 1, deleted_count: 0, scopes: 1 })
  })

  it("SIGTERM drains: the child exits 0, within the bound", async () => {
    child!.kill("SIGTERM")
    let timer: ReturnType<typeof setTimeout> | undefined
    const code = await Promise.race([exited, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), BOUND_MS)))])
    clearTimeout(timer)
    expect(code).toBe(0)
  })
})
