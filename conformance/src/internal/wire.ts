/**
 * Whether a value the caller asked for reached the wire: an option by its vendor (snake_case)
 * name anywhere in the JSON body, as a multipart or form field (`name[]` lists and `name[key]`
 * objects included), or
 * as a query parameter; or a plain value (a model id, a voice) anywhere in the URL or body.
 */
import type { MultipartValue, RequestBody } from "../Cassette.ts"
import type { TransportLogEntry } from "../Replay.ts"
import { isRecord } from "./json.ts"

const asList = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [value])

const parseJsonString = (value: unknown): unknown => {
  if (typeof value !== "string" || !/^\s*[[{]/.test(value)) return value
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

/**
 * Whether a wire value carries the requested one: equal, or equal once stringified (multipart
 * and query values are text), arrays element by element (repeated fields count as an array),
 * objects as a subset (the adapter may add defaults beside the caller's fields).
 */
export const carries = (requested: unknown, wire: unknown): boolean => {
  if (wire === undefined) return false
  const value = parseJsonString(wire)
  if (Array.isArray(requested)) {
    const list = asList(value)
    return list.length === requested.length && requested.every((r, i) => carries(r, list[i]))
  }
  if (isRecord(requested)) {
    return isRecord(value) && Object.entries(requested).every(([k, v]) => carries(v, value[k]))
  }
  if (value === requested) return true
  return typeof wire === "string" && requested !== null && typeof requested !== "object" && wire === String(requested)
}

const fieldValues = (fields: Readonly<Record<string, MultipartValue | ReadonlyArray<MultipartValue>>>, name: string): ReadonlyArray<unknown> => {
  const out: Array<unknown> = []
  for (const key of [name, `${name}[]`]) {
    const value = fields[key]
    if (value !== undefined) out.push(Array.isArray(value) && value.length === 1 ? value[0] : value)
  }
  // An object sent as bracketed fields: `chunking_strategy[type]=server_vad`, `…[threshold]=0.5`.
  const nested: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fields)) {
    const inner = key.startsWith(`${name}[`) && key.endsWith("]") ? key.slice(name.length + 1, -1) : undefined
    if (inner !== undefined && inner !== "" && !inner.includes("[")) nested[inner] = Array.isArray(value) && value.length === 1 ? value[0] : value
  }
  if (Object.keys(nested).length > 0) out.push(nested)
  return out
}

const jsonValues = (json: unknown, name: string, out: Array<unknown> = []): Array<unknown> => {
  if (Array.isArray(json)) for (const item of json) jsonValues(item, name, out)
  else if (isRecord(json)) {
    for (const [key, value] of Object.entries(json)) {
      if (key === name || key === `${name}[]`) out.push(value)
      jsonValues(value, name, out)
    }
  }
  return out
}

const queryValues = (url: URL, name: string): ReadonlyArray<unknown> => {
  const out: Array<unknown> = []
  for (const key of [name, `${name}[]`]) {
    const values = url.searchParams.getAll(key)
    if (values.length > 0) out.push(values.length === 1 ? values[0] : values)
  }
  return out
}

const bodyValues = (body: RequestBody | undefined, name: string): ReadonlyArray<unknown> => {
  switch (body?.type) {
    case "json":
      return jsonValues(body.json, name)
    case "multipart":
    case "form":
      return fieldValues(body.fields, name)
    default:
      return []
  }
}

/** Whether the option `name: value` is visible in the request. */
export const optionOnWire = (entry: TransportLogEntry, name: string, value: unknown): boolean =>
  [...bodyValues(entry.body, name), ...queryValues(new URL(entry.url), name)].some((wire) => carries(value, wire))

const stringsOf = (json: unknown, out: Array<string> = []): Array<string> => {
  if (typeof json === "string") out.push(json)
  else if (Array.isArray(json)) for (const item of json) stringsOf(item, out)
  else if (isRecord(json)) for (const value of Object.values(json)) stringsOf(value, out)
  return out
}

/** Whether a plain value (model id, voice, format) appears in the path, the query or the body. */
export const valueOnWire = (entry: TransportLogEntry, value: string): boolean => {
  const url = new URL(entry.url)
  if (url.pathname.split("/").map((s) => decodeURIComponent(s)).includes(value)) return true
  if ([...url.searchParams.values()].includes(value)) return true
  const body = entry.body
  switch (body?.type) {
    case "json":
      return stringsOf(body.json).includes(value)
    case "multipart":
    case "form":
      return Object.values(body.fields).flatMap((v) => (Array.isArray(v) ? v : [v])).some((v) => v === value)
    case "text":
      return body.text.includes(value)
    default:
      return false
  }
}

/** The field names of a request, for messages. */
export const fieldNames = (entry: TransportLogEntry): string => {
  const body = entry.body
  const names = body?.type === "json" && isRecord(body.json)
    ? Object.keys(body.json)
    : body?.type === "multipart" || body?.type === "form"
    ? Object.keys(body.fields)
    : []
  const query = [...new URL(entry.url).searchParams.keys()]
  return `body fields: ${names.length === 0 ? "none" : names.join(", ")}; query: ${query.length === 0 ? "none" : query.join(", ")}`
}
