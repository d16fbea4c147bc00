/**
 * Stand-ins for espeak-ng and pocketsphinx_continuous, for the process checks: small shell scripts
 * written to a temporary directory, run by `local()` as if they were the engines. One answers
 * `--voices` like espeak-ng and then never finishes; one dies by SIGKILL half way through, as
 * the OOM killer would end it. `running()` finds their live processes in `/proc` by the script's
 * path, so a test sees whether interrupting a call really killed them.
 */
import { Effect } from "effect"
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

const voiceTable = [
  "Pty Language       Age/Gender VoiceName          File                 Other Languages",
  " 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)",
  ""
].join("\n")
const variantTable = [
  "Pty Language       Age/Gender VoiceName          File                 Other Languages",
  " 5  variant         --/F      f2                 !v/f2                ",
  ""
].join("\n")

/**
 * Answers `--voices` like espeak-ng; otherwise runs `body`. The stand-ins are shell scripts, not
 * Node scripts: the process checks start them about ten times a run, and a shell starts in a
 * millisecond where Node takes a tenth of a second or more.
 */
const engine = (body: string) => `#!/bin/sh
for arg in "$@"; do
  case "$arg" in
    --voices) printf '%s' '${voiceTable}'; exit 0 ;;
    --voices=variant) printf '%s' '${variantTable}'; exit 0 ;;
  esac
done
${body}
`

const scripts = {
  /** Never finishes, and never reads its input (its sleeps hold none of its pipes, so a kill closes them at once). */
  hangs: engine("while :; do sleep 1 </dev/null >/dev/null 2>&1; done"),
  /** Writes the start of a WAV file, reads a little input (or its end), then kills itself with SIGKILL. */
  killed: engine(`printf RIFF
head -c 1 >/dev/null
kill -KILL $$`)
} as const

/** The fake programs' paths, and the live processes running them. */
export interface Fakes {
  readonly hangs: string
  readonly killed: string
  readonly missing: string
  /** Pids of live processes running one of the fake scripts. */
  readonly running: (script?: string) => ReadonlyArray<number>
  readonly dispose: () => void
}

/** Writes the fake programs to a new temporary directory. */
export const makeFakes = (): Fakes => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "patchbay-local-fakes-"))
  const write = (name: string, source: string) => {
    const file = path.join(dir, name)
    writeFileSync(file, source)
    chmodSync(file, 0o755)
    return file
  }
  const hangs = write("hangs", scripts.hangs)
  const killed = write("killed", scripts.killed)
  const running = (script?: string): ReadonlyArray<number> => livePids(script ?? dir)
  return {
    hangs,
    killed,
    missing: path.join(dir, "not-installed"),
    running,
    dispose: () => {
      for (const pid of running()) process.kill(pid, "SIGKILL")
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** Pids of live (not zombie) processes whose command line mentions `needle`. */
export const livePids = (needle: string): ReadonlyArray<number> =>
  readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return []
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8")
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]
      return cmdline.includes(needle) && state !== "Z" ? [Number(entry)] : []
    } catch {
      return []
    }
  })

/** Pids of this process's live children (and theirs) whose name is `comm`. */
export const descendants = (comm?: string): ReadonlyArray<number> => {
  const parents = new Map<number, number>()
  const names = new Map<number, string>()
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      const close = stat.lastIndexOf(")")
      const fields = stat.slice(close + 2).split(" ")
      if (fields[0] === "Z") continue
      parents.set(Number(entry), Number(fields[1]))
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close))
    } catch {
      // the process ended while we looked
    }
  }
  const under = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === process.pid) return true
    return false
  }
  return [...parents.keys()].filter((pid) => under(pid) && (comm === undefined || names.get(pid) === comm))
}

/** Polls until the condition holds (at most 5 s); fails the test if it never does. */
export const waitFor = (condition: () => boolean): Effect.Effect<void> =>
  Effect.gen(function*() {
    for (let i = 0; i < 500 && !condition(); i++) yield* Effect.sleep("10 millis")
    if (!condition()) return yield* Effect.die(new Error("the condition did not hold within 5 s"))
  })
