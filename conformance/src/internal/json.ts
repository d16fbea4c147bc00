/**
 * JSON helpers shared by the matcher, the checks and the recorder: structural equality that
 * ignores key order, a short rendering of values for messages, and path joining.
 */

/** Whether two JSON-like values are equal, ignoring object key order. */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (Object.is(a, b)) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((value, i) => jsonEqual(value, b[i]))
  }
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  const keys = Object.keys(x).filter((k) => x[k] !== undefined)
  const other = Object.keys(y).filter((k) => y[k] !== undefined)
  return keys.length === other.length && keys.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k]))
}

/** A short, single-line rendering of a value for error messages. */
export const show = (value: unknown, max = 80): string => {
  if (value === undefined) return "(absent)"
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** Appends a key or an index to a dotted path: `body` + `model` → `body.model`, + 0 → `body[0]`. */
export const joinPath = (path: string, key: string | number): string =>
  typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`

/** Whether a value is a plain JSON object (not an array, not null). */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)
