/**
 * `patchbay keys` and `patchbay serve` as a user runs them: child processes over one SQLite
 * file, the server on a loopback port (`--port 0`), called with plain `fetch`, stopped with
 * SIGTERM.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
const config = fileURLToPath(new URL("./fixtures/patchbay.config.ts", import.meta.url))
const dir = mkdtempSync(path.join(tmpdir(), "patchbay-serve-"))
const db = path.join(dir, "patchbay.db")
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...args: ReadonlyArray<string>) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: dir })

/** Starts `patchbay serve`; resolves with its URL once it prints it. */
const serve = (...args: ReadonlyArray<string>) =>
  new Promise<{ readonly url: string; readonly child: ChildProcess; readonly exited: Promise<number | null> }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "serve", ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    let stdout = ""
    let stderr = ""
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    child.stdout!.on("data", (chunk) => {
      stdout += chunk
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match !== null) resolve({ url: match[1]!, child, exited })
    })
    child.once("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr}`)))
  })

describe("patchbay keys and serve", () => {
  let key = ""

  it("keys create prints a key once; list shows it without the key", () => {
    const created = cli("keys", "create", "--tenant", "acme", "--name", "backend", "--db", db)
    expect(created.status).toBe(0)
    key = created.stdout.trim()
    expect(key).toMatch(/^pb_[A-Za-z0-9_-]{43}$/)
    const listed = cli("keys", "list", "--tenant", "acme", "--db", db)
    expect(listed.status).toBe(0)
    expect(listed.stdout).toMatch(new RegExp(`^key_\\S+  ${key.slice(0, 7)}…  backend  active\\n$`))
    expect(listed.stdout).not.toContain(key)
    expect(cli("keys", "list", "--tenant", "globex", "--db", db).stdout).toBe("")
  })

  it("keys without --tenant is a usage error", () => {
    const ran = cli("keys", "create", "--db", db)
    expect(ran.status).toBe(2)
    expect(ran.stderr).toContain("missing --tenant")
  })

  it("serve --config answers with the key it was given, over the same database", async () => {
    const server = await serve("--config", config, "--port", "0", "--db", db, "--media-dir", path.join(dir, "media"))
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: "ok" })
      expect((await fetch(`${server.url}/threads`)).status).toBe(401)
      const response = await fetch(`${server.url}/threads/messages`, {
        method: "POST",
        headers: { "x-api-key": key, "content-type": "application/json" },
        body: JSON.stringify({ content: "Hello?" })
      })
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ content: "Hello! How can I help?", status: "completed" })
    } finally {
      server.child.kill("SIGTERM")
    }
    expect(await server.exited).toBe(0)
  })

  it("a revoked key is refused by the next server", async () => {
    const id = /^(key_\S+)/.exec(cli("keys", "list", "--tenant", "acme", "--db", db).stdout)![1]!
    expect(cli("keys", "revoke", id, "--tenant", "acme", "--db", db).stdout).toBe(`revoked ${id}\n`)
    const server = await serve("--config", config, "--port", "0", "--db", db, "--media-dir", path.join(dir, "media"))
    try {
      const response = await fetch(`${server.url}/threads`, { headers: { "x-api-key": key } })
      expect(response.status).toBe(401)
      expect((await response.json()).reason).toBe("invalid")
    } finally {
      server.child.kill("SIGTERM")
    }
    expect(await server.exited).toBe(0)
  })
})
