/**
 * The pages of the stores' lists, in one place: `skip`/`limit` for threads, assistants and keys
 * (returned as bare arrays, as Backboard returns them), `limit`/`before` for a thread's messages,
 * and `page`/`page_size` for memories (returned with their totals).
 *
 * @since 0.2.0
 */
import { Schema, type SchemaAST } from "effect"

/** The default and the largest `limit` of a page. */
export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000

/** The largest `limit` of a memory search. */
export const MAX_SEARCH_LIMIT = 100

/**
 * The rules of a page's numbers, one list for the library and the HTTP API (whose query schemas
 * apply them to the decoded strings), so a value is refused with the same words in process and
 * over HTTP.
 */
type Rules = readonly [SchemaAST.Check<number>, ...Array<SchemaAST.Check<number>>]

export const pageRules: { readonly skip: Rules; readonly limit: Rules; readonly page: Rules; readonly searchLimit: Rules } = {
  skip: [Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)],
  limit: [Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: MAX_LIMIT })],
  page: [Schema.isInt(), Schema.isGreaterThanOrEqualTo(1)],
  searchLimit: [Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: MAX_SEARCH_LIMIT })]
}

const number = (rules: Rules) => Schema.optional(Schema.Number.check(...rules))

/** What the library accepts as a `Page` (validation only: the stores clamp what they are given). */
export const PageOptions = Schema.Struct({ skip: number(pageRules.skip), limit: number(pageRules.limit) })

/** What the library accepts as a `MessagePage`. */
export const MessagePageOptions = Schema.Struct({ limit: number(pageRules.limit), before: Schema.optional(Schema.String) })

/** What the library accepts as a `MemoryPage`. */
export const MemoryPageOptions = Schema.Struct({ page: number(pageRules.page), page_size: number(pageRules.limit) })

/** What the library accepts as a memory search's `limit`. */
export const SearchLimitOptions = Schema.Struct({ limit: number(pageRules.searchLimit) })

/** A page of a list: `skip` items (default 0), then at most `limit` (default 100, at most 1000). */
export interface Page {
  readonly skip?: number | undefined
  readonly limit?: number | undefined
}

/** A page of a thread's messages: the last `limit` messages before the message `before` (the newest when absent), oldest first. */
export interface MessagePage {
  readonly limit?: number | undefined
  /** A `message_id`: only messages stored before it. */
  readonly before?: string | undefined
}

/** A page of memories, numbered from 1. */
export interface MemoryPage {
  readonly page?: number | undefined
  readonly page_size?: number | undefined
}

/** A page of memories with the totals, as Backboard returns it. */
export interface MemoryPageResult<A> {
  readonly memories: ReadonlyArray<A>
  readonly total_count: number
  readonly page: number
  readonly page_size: number
  readonly total_pages: number
}

const whole = (n: number | undefined, fallback: number, min: number, max: number): number =>
  n === undefined || !Number.isFinite(n) ? fallback : Math.min(max, Math.max(min, Math.floor(n)))

/** `skip` and `limit` with defaults applied and clamped to their ranges. */
export const resolvePage = (page: Page = {}): { readonly skip: number; readonly limit: number } => ({
  skip: whole(page.skip, 0, 0, Number.MAX_SAFE_INTEGER),
  limit: whole(page.limit, DEFAULT_LIMIT, 1, MAX_LIMIT)
})

/** `page` and `page_size` with defaults applied (1 and 100) and clamped. */
export const resolveMemoryPage = (page: MemoryPage = {}): { readonly page: number; readonly page_size: number } => ({
  page: whole(page.page, 1, 1, Number.MAX_SAFE_INTEGER),
  page_size: whole(page.page_size, DEFAULT_LIMIT, 1, MAX_LIMIT)
})

/** One page of an in-memory list. */
export const slice = <A>(items: ReadonlyArray<A>, page: Page = {}): ReadonlyArray<A> => {
  const { limit, skip } = resolvePage(page)
  return items.slice(skip, skip + limit)
}

/** The last messages before `before`, oldest first, of a list sorted oldest first. */
export const sliceMessages = <A extends { readonly message_id: string }>(
  items: ReadonlyArray<A>,
  page: MessagePage = {}
): ReadonlyArray<A> => {
  const limit = whole(page.limit, DEFAULT_LIMIT, 1, MAX_LIMIT)
  const end = page.before === undefined ? items.length : items.findIndex((m) => m.message_id === page.before)
  const stop = end === -1 ? 0 : end
  return items.slice(Math.max(0, stop - limit), stop)
}

/** A page of memories with its totals. */
export const memoryPageOf = <A>(items: ReadonlyArray<A>, page: MemoryPage = {}): MemoryPageResult<A> => {
  const { page: number, page_size } = resolveMemoryPage(page)
  return {
    memories: items.slice((number - 1) * page_size, number * page_size),
    total_count: items.length,
    page: number,
    page_size,
    total_pages: Math.ceil(items.length / page_size)
  }
}
