/**
 * Matching a request against recorded interactions: on method, path, query and the parsed body
 * fields (JSON compared structurally, multipart fields by value, uploads by SHA-256 and size),
 * never on the exact bytes. The host is not compared, so an adapter's base URL may differ from
 * the recording's. A recorded value of `[redacted]` matches anything; an interaction's `ignore`
 * list names paths that do not matter.
 */
import type { CassetteRequest, Interaction, MultipartValue, RequestBody } from "../Cassette.ts"
import { isRecord, joinPath, jsonEqual, show } from "./json.ts"

/** The placeholder the recorder writes over secrets; it matches any sent value. */
export const REDACTED = "[redacted]"

/** A request as sent, parsed. */
export interface SentRequest {
  readonly method: string
  readonly url: URL
  readonly body: RequestBody | undefined
}

/** One field that differs between the recorded and the sent request. */
export interface Difference {
  readonly path: string
  readonly recorded: unknown
  readonly sent: unknown
}

const ignored = (path: string, ignore: ReadonlyArray<string>): boolean =>
  ignore.some((prefix) => path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`))

const diffJson = (recorded: unknown, sent: unknown, path: string, ignore: ReadonlyArray<string>, out: Array<Difference>): void => {
  if (ignored(path, ignore) || recorded === REDACTED) return
  if (isRecord(recorded) && isRecord(sent)) {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(sent)])
    for (const key of [...keys].sort()) diffJson(recorded[key], sent[key], joinPath(path, key), ignore, out)
    return
  }
  if (Array.isArray(recorded) && Array.isArray(sent) && recorded.length === sent.length) {
    recorded.forEach((value, i) => diffJson(value, sent[i], joinPath(path, i), ignore, out))
    return
  }
  if (!jsonEqual(recorded, sent)) out.push({ path, recorded, sent })
}

const asList = <V>(value: V | ReadonlyArray<V> | undefined): ReadonlyArray<V> =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as V]

const sameMultipartValue = (recorded: MultipartValue, sent: MultipartValue): boolean => {
  if (typeof recorded === "string" || typeof sent === "string") return recorded === REDACTED || recorded === sent
  return recorded.sha256 === sent.sha256 && recorded.size === sent.size
}

const describeValue = (value: MultipartValue): unknown =>
  typeof value === "string" ? value : `file sha256 ${value.sha256.slice(0, 12)}…, ${value.size} bytes`

const diffFields = (
  recorded: Readonly<Record<string, MultipartValue | ReadonlyArray<MultipartValue>>>,
  sent: Readonly<Record<string, MultipartValue | ReadonlyArray<MultipartValue>>>,
  base: string,
  ignore: ReadonlyArray<string>,
  out: Array<Difference>
): void => {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(sent)])].sort()
  for (const name of names) {
    const path = joinPath(base, name)
    if (ignored(path, ignore)) continue
    const r = asList(recorded[name])
    const s = asList(sent[name])
    const same = r.length === s.length && r.every((value, i) => {
      const other = s[i]
      return other !== undefined && sameMultipartValue(value, other)
    })
    if (same) continue
    const single = (list: ReadonlyArray<MultipartValue>) =>
      list.length === 0 ? undefined : list.length === 1 ? describeValue(list[0] as MultipartValue) : list.map(describeValue)
    out.push({ path, recorded: single(r), sent: single(s) })
  }
}

const queryOf = (url: URL): Record<string, string | Array<string>> => {
  const fields: Record<string, string | Array<string>> = {}
  for (const [name, value] of url.searchParams) {
    const existing = fields[name]
    if (existing === undefined) fields[name] = value
    else if (Array.isArray(existing)) existing.push(value)
    else fields[name] = [existing, value]
  }
  return fields
}

const bodySummary = (body: RequestBody | undefined): unknown => (body === undefined ? undefined : body.type)

/** Every difference between a recorded request and a sent one; empty when they match. */
export const differences = (recorded: CassetteRequest, sent: SentRequest): ReadonlyArray<Difference> => {
  const out: Array<Difference> = []
  const ignore = recorded.ignore ?? []
  if (recorded.method.toUpperCase() !== sent.method.toUpperCase()) {
    out.push({ path: "method", recorded: recorded.method.toUpperCase(), sent: sent.method.toUpperCase() })
  }
  const url = new URL(recorded.url)
  if (url.pathname !== sent.url.pathname) out.push({ path: "path", recorded: url.pathname, sent: sent.url.pathname })
  diffFields(queryOf(url), queryOf(sent.url), "query", ignore, out)
  const r = recorded.body
  const s = sent.body
  if (ignored("body", ignore)) return out
  if (r === undefined && s === undefined) return out
  if (r === undefined || s === undefined || r.type !== s.type) {
    out.push({ path: "body", recorded: bodySummary(r), sent: bodySummary(s) })
    return out
  }
  switch (r.type) {
    case "json":
      diffJson(r.json, (s as typeof r).json, "body", ignore, out)
      break
    case "multipart":
    case "form":
      diffFields(r.fields, (s as typeof r).fields, "body", ignore, out)
      break
    case "text":
      if (r.text !== (s as typeof r).text) out.push({ path: "body", recorded: r.text, sent: (s as typeof r).text })
      break
    case "binary": {
      const b = s as typeof r
      if (r.sha256 !== b.sha256 || r.size !== b.size) {
        out.push({ path: "body", recorded: { sha256: r.sha256, size: r.size }, sent: { sha256: b.sha256, size: b.size } })
      }
      break
    }
  }
  return out
}

const score = (diffs: ReadonlyArray<Difference>): number =>
  diffs.reduce((n, d) => n + (d.path === "method" ? 1000 : d.path === "path" ? 100 : 1), 0)

/** The outcome of matching: the interaction to answer with, or the closest one and how it differs. */
export type MatchResult =
  | { readonly _tag: "Matched"; readonly index: number; readonly repeated: boolean }
  | {
    readonly _tag: "Unmatched"
    readonly closest: { readonly index: number; readonly differences: ReadonlyArray<Difference> } | undefined
  }

/**
 * Finds the interaction that answers a request: the first matching one not used yet, else the
 * last matching one again (a vendor that keeps failing answers a retry the same way).
 */
export const match = (
  interactions: ReadonlyArray<Interaction>,
  used: ReadonlySet<number>,
  sent: SentRequest
): MatchResult => {
  let lastUsed: number | undefined
  let closest: { index: number; differences: ReadonlyArray<Difference>; score: number } | undefined
  for (const [index, interaction] of interactions.entries()) {
    const diffs = differences(interaction.request, sent)
    if (diffs.length === 0) {
      if (!used.has(index)) return { _tag: "Matched", index, repeated: false }
      lastUsed = index
      continue
    }
    const s = score(diffs)
    if (closest === undefined || s < closest.score) closest = { index, differences: diffs, score: s }
  }
  if (lastUsed !== undefined) return { _tag: "Matched", index: lastUsed, repeated: true }
  return { _tag: "Unmatched", closest: closest === undefined ? undefined : { index: closest.index, differences: closest.differences } }
}

/** The message of an unmatched request: what was sent, the closest interaction and each difference. */
export const describeMismatch = (
  cassette: string,
  interactions: ReadonlyArray<Interaction>,
  sent: SentRequest,
  closest: { readonly index: number; readonly differences: ReadonlyArray<Difference> } | undefined
): string => {
  const head = `no interaction of ${cassette} matches ${sent.method.toUpperCase()} ${sent.url.pathname}${sent.url.search}`
  if (closest === undefined) return `${head}: the cassette has no interactions`
  const recorded = interactions[closest.index]?.request
  const lines = closest.differences.map((d) => `  ${d.path}: recorded ${show(d.recorded)}, sent ${show(d.sent)}`)
  const count = closest.differences.length
  return [
    `${head}`,
    `closest: interaction ${closest.index} (${recorded?.method.toUpperCase()} ${recorded?.url}), ${count} difference${count === 1 ? "" : "s"}:`,
    ...lines
  ].join("\n")
}
