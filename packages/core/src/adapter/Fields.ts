/**
 * Building Patchbay's records from a vendor's answer, where an absent field must be left out
 * rather than set to `undefined` (the schemas are strict about optional keys).
 *
 * @since 0.2.0
 */

/** `T` with every key optional and `undefined` removed from its values. */
export type WithoutUndefined<T> = { -readonly [K in keyof T]?: Exclude<T[K], undefined> }

/**
 * The fields whose value is not `undefined`.
 *
 * @example
 * ```ts
 * withoutUndefined({ request_id: requestId, duration_seconds: wire.duration }) // {} when both are absent
 * ```
 */
export const withoutUndefined = <T extends object>(fields: T): WithoutUndefined<T> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as WithoutUndefined<T>
