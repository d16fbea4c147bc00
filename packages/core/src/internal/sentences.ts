/**
 * Sentence chunking for streaming text-to-speech: cuts a language model's streaming text into
 * speakable chunks as it arrives, so the first audio plays before the model has finished.
 *
 * {@link makeSplitter} is the pure, synchronous core (push deltas, get chunks);
 * {@link chunkSentences} is the Effect `Stream` operator built on it, which adds the time bound
 * (driven by the Effect `Clock`) and the end-of-stream flush.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Duration, Effect, Option, Pull, Queue, Stream } from "effect"

/**
 * How text is cut into chunks.
 *
 * - `minChars` (default 40): chunks after the first merge consecutive short sentences until they
 *   reach this length. The first chunk has no minimum, so speech starts as early as possible.
 * - `maxChars` (default 240): text without a sentence end is cut once it exceeds this length, at
 *   the last word boundary — after `,` `;` `:` or a dash when one lies in the second half of the
 *   window. A single word longer than this is never cut. `Infinity` disables the cut.
 * - `flushAfter` (default 800 millis): when text has been pending this long without a chunk
 *   being emitted (counted from the later of the last chunk and the moment text became pending),
 *   the pending text up to the last complete word is flushed, so speech never stalls while the
 *   model is slow. A word still arriving is never cut: if only a partial word is pending, it is
 *   flushed as soon as it completes. `"Infinity"` disables the time bound.
 *
 * @since 0.1.0
 */
export interface ChunkingOptions {
  readonly minChars?: number
  readonly maxChars?: number
  readonly flushAfter?: Duration.Input
}

/** Defaults of {@link ChunkingOptions}. @since 0.1.0 */
export const defaultChunking = {
  minChars: 40,
  maxChars: 240,
  flushAfter: Duration.millis(800)
} as const

/**
 * An incremental sentence splitter. It is pure and synchronous; it holds the text not yet
 * emitted. Pushing a text in one piece or in any split gives the same chunks.
 *
 * @since 0.1.0
 */
export interface Splitter {
  /** Adds a delta; returns the chunks whose boundary it completed (often none). */
  readonly push: (text: string) => ReadonlyArray<string>
  /** Time-bound flush: everything pending up to the last whitespace (a partial word stays). */
  readonly flushWords: () => string | undefined
  /** Complete sentences held back for merging, without the unfinished tail (used on failure). */
  readonly flushSentences: () => string | undefined
  /** End of stream: all that remains, trimmed; the splitter is empty afterwards. */
  readonly end: () => string | undefined
  /** The text not yet emitted, leading whitespace removed ("" when nothing is pending). */
  readonly pending: () => string
}

// ---------------------------------------------------------------------------------------------
// Character classes

const WS_RE = /\s/
const isWs = (c: number): boolean =>
  c === 32 || (c >= 9 && c <= 13) || (c > 127 && WS_RE.test(String.fromCharCode(c)))
const NL = 10

const setOf = (chars: string): ReadonlySet<string> => new Set(Array.from(chars))
/** Sentence terminators that still need whitespace after them. */
const TERMINATORS = setOf(".!?…‽؟।。！？｡")
/** Full-width terminators of scripts written without spaces: a boundary without whitespace. */
const CJK_TERMINATORS = setOf("。！？｡")
/** Closing quotes and brackets (and markdown emphasis) that may follow a terminator. */
const CLOSERS = setOf("\"')]}*_”’»›」』）】》〉")
/** Opening quotes and brackets stripped before looking a word up. */
const OPENERS = setOf("\"'([{*_“‘«‹„「『（【《〈¿¡")
/** Clause punctuation preferred for a `maxChars` cut. */
const CLAUSE = setOf(",;:—–，；：、")

const LETTER = /^\p{L}$/u
const LOWER = /^\p{Ll}$/u
const DIGIT = /^\p{Nd}$/u
/** Initialisms such as e.g, i.e, a.m, U.S, U.S.A, Ph.D (the final period excluded). */
const INITIALISM = /^(?:\p{L}{1,2}\.)+\p{L}{1,2}$/u
const LIST_NUMBER = /^\d{1,3}$/

/** Abbreviations (lower case, final period excluded) never followed by a sentence boundary. */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "vs", "etc", "al", "cf", "viz",
  "e.g", "i.e", "a.m", "p.m", "inc", "ltd", "co", "corp", "bros", "approx", "mt", "ft",
  "gen", "lt", "col", "sgt", "capt", "cmdr", "adm", "maj", "rev", "hon", "gov", "sen", "rep",
  "pres", "supt", "ave", "blvd", "rd", "dept", "univ", "u.s", "u.k", "u.s.a", "ph.d"
])
/** Abbreviations that only precede a number ("No. 5", "Fig. 3"); "No. I disagree." ends a sentence. */
const NUMBER_ABBREVIATIONS: ReadonlySet<string> = new Set([
  "no", "nos", "fig", "figs", "vol", "vols", "ch", "art", "sec", "pp", "est", "ca", "nr", "op"
])

const resolveSizes = (options: ChunkingOptions | undefined) => {
  const max = options?.maxChars
  const min = options?.minChars
  const maxChars = max === undefined || Number.isNaN(max) ? defaultChunking.maxChars : Math.max(1, Math.floor(max))
  const minChars = min === undefined || Number.isNaN(min)
    ? Math.min(defaultChunking.minChars, maxChars)
    : Math.min(maxChars, Math.max(0, Math.floor(min)))
  return { minChars, maxChars }
}

const flushAfterMillis = (options: ChunkingOptions | undefined): number =>
  Duration.toMillis(Duration.fromInputUnsafe(options?.flushAfter ?? defaultChunking.flushAfter))

// Results of a boundary decision.
const NO = 0
const YES = 1
const WAIT = 2
type Verdict = typeof NO | typeof YES | typeof WAIT
// Result of a look-ahead when a blank line comes first.
const PARAGRAPH = -1

// ---------------------------------------------------------------------------------------------
// Splitter

/**
 * Creates a {@link Splitter}. A sentence ends at `.` `!` `?` `…` (and runs such as `?!`, `...`),
 * optionally followed by closing quotes or brackets, and only when whitespace follows; never
 * after abbreviations, initials, list numbers at the start of a line, nor at an ellipsis followed
 * by a lower-case word. A blank line is always a boundary. The text is scanned once: each push
 * only examines the new characters (plus a bounded look-back).
 *
 * @since 0.1.0
 */
export const makeSplitter = (options?: ChunkingOptions): Splitter => {
  const { maxChars, minChars } = resolveSizes(options)
  // A clause break shorter than this is not worth preferring over the last word boundary.
  const clauseMin = Math.max(minChars, Math.floor(maxChars / 2))

  let buf = "" // text from the start of the current segment (or a little before)
  let s = 0 // start of the current segment in buf
  let cs = -1 // first non-whitespace index of the current segment, -1 while there is none
  let i = 0 // next index to examine
  let wordEnd = -1 // last whitespace index that ends a word of the current segment
  let over = false // the current segment already exceeds maxChars
  let held = "" // complete segments waiting to reach minChars, joined
  let started = false // a chunk was emitted
  let out: Array<string> = []

  const emitHeld = (): void => {
    if (held.length === 0) return
    out.push(held)
    held = ""
    started = true
  }

  /** Joins segments with a space, or with nothing after a full-width terminator (no spaces there). */
  const hold = (text: string): void => {
    if (held.length === 0) held = text
    else {
      let k = held.length - 1
      while (k > 0 && CLOSERS.has(held[k]!)) k--
      held += CJK_TERMINATORS.has(held[k]!) ? text : ` ${text}`
    }
  }

  const addSegment = (text: string, hard: boolean): void => {
    if (text.length > 0) {
      if (held.length > 0 && held.length + 1 + text.length > maxChars) emitHeld()
      hold(text)
    }
    if (hard || !started || held.length >= minChars) emitHeld()
  }

  /** Closes the current segment at `end` (exclusive) and resumes scanning at `next`. */
  const close = (end: number, next: number, hard: boolean): void => {
    if (cs >= 0 && cs < end) addSegment(buf.slice(cs, end).trimEnd(), hard)
    else if (hard) emitHeld()
    s = end // the whitespace after the segment stays: a blank-line check looks back over it
    cs = -1
    wordEnd = -1
    over = false
    i = next
  }

  /** Whether the newline at `at` ends a blank line (another newline precedes it in the run). */
  const blankLineAt = (at: number): boolean => {
    for (let k = at - 1; k >= 0; k--) {
      const c = buf.charCodeAt(k)
      if (c === NL) return true
      if (!isWs(c)) return false
    }
    return false
  }

  /** The first non-whitespace character from `at`, PARAGRAPH for a blank line first, or WAIT. */
  const lookAhead = (at: number): string | typeof PARAGRAPH | typeof WAIT => {
    let newlines = 0
    for (let k = at; k < buf.length; k++) {
      const c = buf.charCodeAt(k)
      if (c === NL) {
        if (++newlines >= 2) return PARAGRAPH
      } else if (!isWs(c)) return buf[k]!
    }
    return WAIT
  }

  /** Whether the word starting at `start` is a list number: first of its segment or line. */
  const startsLine = (start: number): boolean => {
    if (start <= cs) return true
    for (let k = start - 1; k >= cs; k--) {
      const c = buf.charCodeAt(k)
      if (c === NL) return true
      if (!isWs(c)) return false
    }
    return true
  }

  /** Decides whether the sentence ends at the whitespace at `at` (a word ends just before it). */
  const sentenceEndsAt = (at: number): Verdict => {
    let k = at - 1
    while (k >= cs && CLOSERS.has(buf[k]!)) k--
    if (k < cs) return NO
    const last = k
    let dots = 0
    let ellipsis = false
    let strong = false
    for (; k >= cs; k--) {
      const ch = buf[k]!
      if (!TERMINATORS.has(ch)) break
      if (ch === ".") dots++
      else if (ch === "…") ellipsis = true
      else strong = true
    }
    if (k === last) return NO
    if (last < at - 1) {
      // A terminator inside quotes or brackets followed by a lower-case word: `"Stop!" he said`.
      const next = lookAhead(at)
      if (next === WAIT) return WAIT
      if (next !== PARAGRAPH && LOWER.test(next)) return NO
    }
    if (strong) return YES
    if (ellipsis || dots > 1) {
      const next = lookAhead(at)
      return next === WAIT ? WAIT : next === PARAGRAPH ? YES : LOWER.test(next) ? NO : YES
    }
    // A single period: look at the word before it.
    const period = k + 1
    let start = period
    while (start > cs && !isWs(buf.charCodeAt(start - 1))) start--
    let wordStart = start
    while (wordStart < period && OPENERS.has(buf[wordStart]!)) wordStart++
    const word = buf.slice(wordStart, period)
    if (word.length === 0) return YES
    const lower = word.toLowerCase()
    if (ABBREVIATIONS.has(lower)) return NO
    if (NUMBER_ABBREVIATIONS.has(lower)) {
      const next = lookAhead(at)
      return next === WAIT ? WAIT : next === PARAGRAPH ? YES : DIGIT.test(next) ? NO : YES
    }
    if (LETTER.test(word) ? word !== "I" : INITIALISM.test(word)) return NO
    if (LIST_NUMBER.test(word) && startsLine(start)) return NO
    return YES
  }

  /** A boundary right after a full-width terminator (and closers), at the non-space `at`. */
  const cjkEndsBefore = (at: number): boolean => {
    const ch = buf[at]!
    if (CLOSERS.has(ch) || TERMINATORS.has(ch)) return false
    let k = at - 1
    while (k >= cs && CLOSERS.has(buf[k]!)) k--
    return k >= cs && CJK_TERMINATORS.has(buf[k]!)
  }

  /** Cuts an over-long segment at its best word boundary: a clause break, else the last word end. */
  const cutLong = (): void => {
    let at = wordEnd
    for (let k = wordEnd; k - cs >= clauseMin; k--) {
      if (!isWs(buf.charCodeAt(k)) || isWs(buf.charCodeAt(k - 1))) continue
      const before = buf[k - 1]!
      const standaloneDash = (before === "-" || before === "—" || before === "–") &&
        (k - 2 < cs || isWs(buf.charCodeAt(k - 2)))
      if (CLAUSE.has(before) || standaloneDash) {
        at = k
        break
      }
    }
    close(at, at + 1, false)
  }

  const scan = (): void => {
    while (i < buf.length) {
      const c = buf.charCodeAt(i)
      if (isWs(c)) {
        if (c === NL && blankLineAt(i)) {
          close(i, i + 1, true)
          continue
        }
        if (cs >= 0 && i - 1 >= cs && !isWs(buf.charCodeAt(i - 1))) {
          const verdict = sentenceEndsAt(i)
          if (verdict === WAIT) return
          if (verdict === YES) {
            close(i, i + 1, false)
            continue
          }
          wordEnd = i
          if (over) {
            cutLong()
            continue
          }
        }
        i++
      } else {
        if (cs < 0) cs = i
        else if (cjkEndsBefore(i)) {
          close(i, i, false)
          continue
        }
        if (i - cs >= maxChars) {
          over = true
          if (wordEnd > cs) {
            cutLong()
            continue
          }
        }
        i++
      }
    }
  }

  const reset = (): void => {
    buf = ""
    s = 0
    cs = -1
    i = 0
    wordEnd = -1
    over = false
  }

  const drain = (): string | undefined => {
    const result = out.length === 0 ? undefined : out.join(" ")
    out = []
    return result
  }

  return {
    push(text) {
      if (text.length === 0) return []
      if (s > 0) {
        // Drop what was emitted, so the buffer stays about one segment long.
        buf = buf.slice(s)
        i -= s
        if (cs >= 0) cs -= s
        if (wordEnd >= 0) wordEnd -= s
        s = 0
      }
      buf += text
      scan()
      const chunks = out
      out = []
      return chunks
    },
    flushWords() {
      if (cs >= 0) {
        let w = buf.length - 1
        while (w > cs && !isWs(buf.charCodeAt(w))) w--
        if (w > cs) {
          let end = w
          while (isWs(buf.charCodeAt(end - 1))) end--
          hold(buf.slice(cs, end))
          s = end
          // The partial word after `w` (if any) starts the next segment; it was already scanned.
          // A stalled scan only ever has whitespace after it, and that was just flushed.
          cs = w + 1 < buf.length ? w + 1 : -1
          wordEnd = -1
          over = false
          i = Math.max(i, w + 1)
        }
      }
      emitHeld()
      return drain()
    },
    flushSentences() {
      emitHeld()
      return drain()
    },
    end() {
      if (cs >= 0) {
        const rest = buf.slice(cs).trimEnd()
        if (rest.length > 0) hold(rest)
      }
      emitHeld()
      reset()
      return drain()
    },
    pending() {
      const tail = cs >= 0 ? buf.slice(cs) : ""
      if (held.length === 0) return tail
      return tail.length === 0 ? held : `${held} ${tail}`
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Stream operator

/**
 * Cuts a stream of text deltas into speakable chunks (see {@link makeSplitter}). A chunk is
 * emitted in the same step as the delta that completes it; when no chunk was emitted for
 * `flushAfter` (measured with the Effect `Clock`) and text is pending, the complete words are
 * flushed; the remainder is flushed when upstream ends. An upstream failure propagates after
 * the chunks already emitted (and the complete sentences held for merging); the unfinished tail
 * is dropped. Upstream is read by a fiber in the stream's scope, so the timer never interrupts
 * an upstream pull.
 *
 * @since 0.1.0
 */
export const chunkSentences = (options?: ChunkingOptions) =>
<E, R>(self: Stream.Stream<string, E, R>): Stream.Stream<string, E, R> =>
  Stream.transformPull(self, (upstream, scope) =>
    Effect.gen(function*() {
      const clock = yield* Clock.Clock
      const flushMs = flushAfterMillis(options)
      const splitter = makeSplitter(options)
      const inbox = yield* Queue.bounded<string, E | Cause.Done>(256)
      yield* upstream.pipe(
        Effect.flatMap((deltas) => Queue.offerAll(inbox, deltas)),
        Effect.forever({ disableYield: true }),
        Effect.catchCause((cause) => Queue.failCause(inbox, cause)),
        Effect.forkIn(scope)
      )

      let since = clock.currentTimeMillisUnsafe() // when the current wait for a boundary began
      let finished = false
      let failure: Cause.Cause<Pull.ExcludeDone<E>> | undefined

      type Out = Pull.Pull<readonly [string, ...Array<string>], Pull.ExcludeDone<E>>
      const emit = (chunks: ReadonlyArray<string>): Out => {
        since = clock.currentTimeMillisUnsafe()
        return Effect.succeed(chunks as readonly [string, ...Array<string>])
      }
      const halt = (): Out => failure === undefined ? Cause.done() : Effect.failCause(failure)

      const onCause = (cause: Cause.Cause<E | Cause.Done>): Out => {
        finished = true
        const result = Pull.filterNoDone(cause)
        let rest: string | undefined
        if (result._tag === "Success") {
          failure = result.success
          rest = splitter.flushSentences()
        } else {
          rest = splitter.end()
        }
        return rest === undefined ? halt() : emit([rest])
      }

      const pull: Out = Effect.suspend(
        function loop(): Out {
          if (finished) return halt()
          let take: Effect.Effect<ReadonlyArray<string>, E | Cause.Done> = Queue.takeAll(inbox)
          const waiting = splitter.pending() !== ""
          if (waiting) {
            const wait = since + flushMs - clock.currentTimeMillisUnsafe()
            if (wait <= 0) {
              const flushed = splitter.flushWords()
              if (flushed !== undefined) return emit([flushed])
              // Only a word still arriving is pending: wait for more without a timer.
            } else if (Number.isFinite(wait)) {
              take = Effect.map(Effect.timeoutOption(take, wait), Option.getOrElse(() => []))
            }
          }
          return Effect.matchCauseEffect(take, {
            onFailure: onCause,
            onSuccess: (deltas) => {
              // An empty batch means the timer fired: the loop flushes.
              const chunks: Array<string> = []
              for (const delta of deltas) {
                for (const chunk of splitter.push(delta)) chunks.push(chunk)
              }
              if (chunks.length > 0) return emit(chunks)
              if (!waiting) since = clock.currentTimeMillisUnsafe()
              return loop()
            }
          })
        }
      )
      return pull
    }))
