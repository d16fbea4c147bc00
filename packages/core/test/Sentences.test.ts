import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Queue, Stream } from "effect"
import { TestClock } from "effect/testing"
import { type ChunkingOptions, chunkSentences, makeSplitter } from "../src/internal/sentences.ts"

// ---------------------------------------------------------------------------------------------
// Helpers

/** A small seeded generator (mulberry32), so "random" cases are the same on every run. */
const rng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const int = (next: () => number, min: number, max: number) => min + Math.floor(next() * (max - min + 1))

const randomPieces = (text: string, seed: number): Array<string> => {
  const next = rng(seed)
  const pieces: Array<string> = []
  for (let at = 0; at < text.length;) {
    const size = int(next, 1, 12)
    pieces.push(text.slice(at, at + size))
    at += size
  }
  return pieces
}

const split = (pieces: ReadonlyArray<string>, options?: ChunkingOptions): Array<string> => {
  const splitter = makeSplitter(options)
  const chunks: Array<string> = []
  for (const piece of pieces) chunks.push(...splitter.push(piece))
  const rest = splitter.end()
  if (rest !== undefined) chunks.push(rest)
  return chunks
}

/** Chunks of `text` pushed whole; asserts that pushing it per character and in random pieces agrees. */
const chunks = (text: string, options?: ChunkingOptions): Array<string> => {
  const whole = split([text], options)
  expect(split(Array.from(text), options)).toEqual(whole)
  for (const seed of [1, 2, 3]) expect(split(randomPieces(text, seed), options)).toEqual(whole)
  return whole
}

const words = (text: string) => text.split(/\s+/).filter((word) => word.length > 0)

/** Lets the forked fibers run without moving the clock. */
const settle = Effect.gen(function*() {
  for (let k = 0; k < 50; k++) yield* Effect.yieldNow
})

const drain = <A>(queue: Queue.Queue<A>) => Effect.map(Queue.clear(queue), (items) => [...items])

// ---------------------------------------------------------------------------------------------
// The splitter

describe("makeSplitter", () => {
  const individual = { minChars: 0 } // every sentence its own chunk: shows where the cuts are

  it("the first chunk has no minimum; later chunks merge short sentences up to minChars", () => {
    expect(chunks("Hi! How are you today? I am fine.")).toEqual(["Hi!", "How are you today? I am fine."])
    expect(chunks("OK. One two three four five six seven eight nine. Ten. Eleven. Twelve thirteen fourteen fifteen.")).toEqual([
      "OK.",
      "One two three four five six seven eight nine.",
      "Ten. Eleven. Twelve thirteen fourteen fifteen."
    ])
    expect(chunks("Hello there. General Kenobi!", individual)).toEqual(["Hello there.", "General Kenobi!"])
  })

  const sentenceCases: ReadonlyArray<readonly [name: string, text: string, expected: ReadonlyArray<string>]> = [
    ["question and exclamation runs", "Really?! Yes!!! Sure?.. Okay‽ Fine.", ["Really?!", "Yes!!!", "Sure?..", "Okay‽", "Fine."]],
    ["a terminal ellipsis before a capital", "Hmm... Let me think. Well… OK.", ["Hmm...", "Let me think.", "Well…", "OK."]],
    ["a mid-sentence ellipsis before a lower-case word", "Wait... what is that? Oh… no way.", ["Wait... what is that?", "Oh… no way."]],
    ["closing quotes and brackets stay with their sentence", "“Stop!” Then he left. (See above.) Next. 'Done.' Fine.", [
      "“Stop!”",
      "Then he left.",
      "(See above.)",
      "Next.",
      "'Done.'",
      "Fine."
    ]],
    ["a quoted sentence continued in lower case", "\"Stop!\" he said. \"Why?\" she asked.", ["\"Stop!\" he said.", "\"Why?\" she asked."]],
    ["punctuation without whitespace after it", "Is it A.B.C.D?No.Yes!Maybe. End.", ["Is it A.B.C.D?No.Yes!Maybe.", "End."]],
    ["markdown emphasis closing a sentence", "This is **important.** Then more.", ["This is **important.**", "Then more."]],
    ["a single newline after a period is whitespace", "One.\nTwo.\r\nThree.", ["One.", "Two.", "Three."]],
    ["a single newline without a period joins", "first line\nsecond line.", ["first line\nsecond line."]],
    ["numbers at the end of a sentence", "The answer is 42. Next is 7. Done.", ["The answer is 42.", "Next is 7.", "Done."]],
    ["the pronoun I ends a sentence", "So did I. Then we left.", ["So did I.", "Then we left."]],
    ["No. before a word ends a sentence", "No. I disagree.", ["No.", "I disagree."]],
    ["full-width terminators need no space", "你好。今天天气很好！我们去公园吧？好的。", ["你好。", "今天天气很好！", "我们去公园吧？", "好的。"]]
  ]
  it.each(sentenceCases)("boundaries: %s", (_name, text, expected) => {
    expect(chunks(text, individual)).toEqual(expected)
  })

  const abbreviations = [
    "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Sr.", "Jr.", "St.", "vs.", "etc.", "e.g.", "i.e.", "a.m.", "p.m.", "Inc.",
    "Ltd.", "Co.", "approx.", "Mt.", "Gen.", "Lt.", "Col.", "Sgt.", "Capt.", "U.S.", "U.K.", "Ph.D.", "U.S.A.", "et al.",
    "MR.", "dr.", "Etc.", "E.G.", "A.M."
  ]
  it.each(abbreviations)("never splits after the abbreviation %s", (abbreviation) => {
    expect(chunks(`Go. We saw ${abbreviation} Someone there. End.`, individual)).toEqual([
      "Go.",
      `We saw ${abbreviation} Someone there.`,
      "End."
    ])
  })

  const neverSplit: ReadonlyArray<readonly [name: string, text: string, expected: ReadonlyArray<string>]> = [
    ["initials", "J. R. R. Tolkien wrote it. A. Smith agreed.", ["J. R. R. Tolkien wrote it.", "A. Smith agreed."]],
    ["a lower-case initial", "Plan b. Was it good?", ["Plan b. Was it good?"]],
    ["decimals and versions", "Pi is 3.14 today. It is 1.5x faster in v2.0.1 now. Done.", ["Pi is 3.14 today.", "It is 1.5x faster in v2.0.1 now.", "Done."]],
    ["numbered abbreviations", "See No. 5 and Fig. 3 here. Then vol. 2 too.", ["See No. 5 and Fig. 3 here.", "Then vol. 2 too."]],
    ["URLs", "Open example.com/path?x=1.5&y=2. Then https://a.b/c?d=e.f now. Done.", [
      "Open example.com/path?x=1.5&y=2.",
      "Then https://a.b/c?d=e.f now.",
      "Done."
    ]],
    ["e-mail addresses", "Mail me@x.org or first.last@mail.example.co.uk today. Thanks.", [
      "Mail me@x.org or first.last@mail.example.co.uk today.",
      "Thanks."
    ]],
    ["numbered lists", "1. Mix the flour.\n2. Bake it.\n10. Eat it.", ["1. Mix the flour.", "2. Bake it.", "10. Eat it."]],
    ["list markers without sentence ends", "Steps:\n1. Mix\n2. Bake", ["Steps:\n1. Mix\n2. Bake"]],
    ["an abbreviation inside parentheses", "It works (e.g. Here) well. Yes.", ["It works (e.g. Here) well.", "Yes."]]
  ]
  it.each(neverSplit)("never splits inside %s", (_name, text, expected) => {
    expect(chunks(text, individual)).toEqual(expected)
  })

  it("a period is decided only when the next character arrives", () => {
    const splitter = makeSplitter(individual)
    expect(splitter.push("I met Dr.")).toEqual([])
    expect(splitter.push(" Who. Then")).toEqual(["I met Dr. Who."])
    expect(splitter.push(" 3.")).toEqual([])
    expect(splitter.push("14 left.")).toEqual([])
    expect(splitter.push(" ")).toEqual(["Then 3.14 left."])
    expect(splitter.push("Wait...")).toEqual([])
    expect(splitter.push(" ")).toEqual([]) // an ellipsis waits for the next word
    expect(splitter.push("what")).toEqual([])
    expect(splitter.end()).toBe("Wait... what")
    expect(splitter.end()).toBeUndefined()
  })

  it("a blank line is a boundary, even without punctuation or minChars", () => {
    expect(chunks("Title\n\nFirst paragraph here. Second.\n\nThird paragraph")).toEqual([
      "Title",
      "First paragraph here. Second.",
      "Third paragraph"
    ])
    expect(chunks("Hi.\n  \nA list:\r\n\r\n- one\n- two\n\n\n\nEnd.")).toEqual(["Hi.", "A list:", "- one\n- two", "End."])
    expect(chunks("Wait...\n\nwhat now", individual)).toEqual(["Wait...", "what now"])
  })

  it("cuts text without a sentence end at maxChars, at the last word boundary", () => {
    const text = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau"
    const cut = chunks(text, { maxChars: 40, minChars: 0 })
    expect(cut).toEqual(["alpha beta gamma delta epsilon zeta eta", "theta iota kappa lambda mu nu xi omicron", "pi rho sigma tau"])
    for (const chunk of cut) expect(chunk.length).toBeLessThanOrEqual(40)
    // A sentence that ends exactly at maxChars is not cut.
    expect(chunks("abcdefghi abcdefghi abcdefghi abcdefghi. Next", { maxChars: 40, minChars: 0 })).toEqual([
      "abcdefghi abcdefghi abcdefghi abcdefghi.",
      "Next"
    ])
  })

  it("prefers a clause break (, ; : —) in the second half of the window", () => {
    const text = "alpha beta gamma delta epsilon, zeta eta theta iota kappa lambda mu nu xi"
    expect(chunks(text, { maxChars: 50, minChars: 0 })).toEqual([
      "alpha beta gamma delta epsilon,",
      "zeta eta theta iota kappa lambda mu nu xi"
    ])
    expect(chunks("alpha beta gamma delta epsilon — zeta eta theta iota kappa lambda mu", { maxChars: 50, minChars: 0 })).toEqual([
      "alpha beta gamma delta epsilon —",
      "zeta eta theta iota kappa lambda mu"
    ])
    // A comma too early would leave a tiny chunk: the last word boundary wins.
    expect(chunks("Well, alpha beta gamma delta epsilon zeta eta theta iota kappa", { maxChars: 50, minChars: 0 })).toEqual([
      "Well, alpha beta gamma delta epsilon zeta eta",
      "theta iota kappa"
    ])
  })

  it("never cuts inside a word longer than maxChars", () => {
    const long = "x".repeat(60)
    expect(chunks(`short ${long} tail words here`, { maxChars: 20, minChars: 0 })).toEqual(["short", long, "tail words here"])
  })

  it("merging stops before a chunk would exceed maxChars", () => {
    expect(chunks("Go. Yes. alpha beta gamma delta epsilon zeta eta theta. Done.", { maxChars: 50, minChars: 40 })).toEqual([
      "Go.",
      "Yes.",
      "alpha beta gamma delta epsilon zeta eta theta.",
      "Done."
    ])
  })

  it("emits no whitespace-only chunks", () => {
    expect(chunks("   \n\n \t ")).toEqual([])
    expect(chunks("")).toEqual([])
    expect(chunks("  Hello.  \n\n\n  World.  ")).toEqual(["Hello.", "World."])
  })

  it("flushWords flushes up to the last complete word and keeps a partial word", () => {
    const splitter = makeSplitter()
    expect(splitter.push("Hello there my frie")).toEqual([])
    expect(splitter.pending()).toBe("Hello there my frie")
    expect(splitter.flushWords()).toBe("Hello there my")
    expect(splitter.pending()).toBe("frie")
    expect(splitter.flushWords()).toBeUndefined()
    expect(splitter.push("nd. How")).toEqual([])
    expect(splitter.push(" ")).toEqual([])
    // "friend." is held for merging; the time bound flushes it with the next complete word.
    expect(splitter.flushWords()).toBe("friend. How")
    expect(splitter.pending()).toBe("")
    expect(splitter.end()).toBeUndefined()
  })

  it("flushSentences gives the held sentences without the unfinished tail", () => {
    const splitter = makeSplitter()
    expect(splitter.push("Hi! How are you? I am")).toEqual(["Hi!"])
    expect(splitter.flushSentences()).toBe("How are you?")
    expect(splitter.end()).toBe("I am")
  })

  // Text that exercises every rule, generated from a seed.
  const vocabulary = [
    "Hello", "world", "the", "quick", "brown", "fox", "Mr.", "Dr.", "e.g.", "U.S.", "3.14", "v2.0.1", "No.", "5", "J.",
    "I.", "etc.", "p.m.", "1.", "end.", "Yes!", "why?", "Really?!", "wait...", "what", "Hmm…", "\"Quoted.\"",
    "(aside.)", "“Stop!”", "a,", "so;", "then:", "—", "-", "example.com/path?x=1.", "me@x.org", "https://a.b/c",
    "averyveryveryverylongwordwithoutanyspacesatallthatkeepsgoingandgoing", "**bold.**", "OK.", "42."
  ]
  const separators = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\t", " \n ", "\r\n"]
  const generate = (seed: number): string => {
    const next = rng(seed)
    const count = int(next, 0, 120)
    let text = next() < 0.3 ? separators[int(next, 0, separators.length - 1)]! : ""
    for (let k = 0; k < count; k++) {
      text += vocabulary[int(next, 0, vocabulary.length - 1)]!
      text += separators[int(next, 0, separators.length - 1)]!
    }
    return next() < 0.5 ? text.trimEnd() : text
  }

  it("loses, duplicates and reorders no text, and agrees for any split (generated inputs)", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const text = generate(seed)
      const next = rng(seed * 7919)
      const options = { minChars: int(next, 0, 80), maxChars: int(next, 10, 300) }
      const whole = split([text], options)
      expect([seed, words(whole.join(" "))]).toEqual([seed, words(text)])
      for (const chunk of whole) {
        expect(chunk).toBe(chunk.trim())
        expect(chunk.length).toBeGreaterThan(0)
        const fits = chunk.length <= options.maxChars + options.minChars + 1 ||
          words(chunk).some((word) => word.length > options.maxChars)
        expect([seed, chunk, fits]).toEqual([seed, chunk, true])
      }
      expect([seed, split(Array.from(text), options)]).toEqual([seed, whole])
      expect([seed, split(randomPieces(text, seed), options)]).toEqual([seed, whole])
    }
  })

  it("loses no text when time-bound flushes interleave with deltas (generated inputs)", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const text = generate(seed)
      const next = rng(seed * 104729)
      const splitter = makeSplitter({ minChars: int(next, 0, 60), maxChars: int(next, 10, 200) })
      const out: Array<string> = []
      for (const piece of randomPieces(text, seed)) {
        out.push(...splitter.push(piece))
        if (next() < 0.2) {
          const flushed = splitter.flushWords()
          if (flushed !== undefined) out.push(flushed)
        }
      }
      const rest = splitter.end()
      if (rest !== undefined) out.push(rest)
      for (const chunk of out) expect(chunk.length > 0 && chunk === chunk.trim()).toBe(true)
      expect([seed, words(out.join(" "))]).toEqual([seed, words(text)])
    }
  })
})

// ---------------------------------------------------------------------------------------------
// The stream operator

describe("chunkSentences", () => {
  const text = "Hi! Mr. Smith is here... what now? The U.S. team won 3.14 points.\n\nNew paragraph, still going without an end"

  it.effect("gives the splitter's chunks, whatever the deltas", () =>
    Effect.gen(function*() {
      const expected = split([text])
      expect(expected.length).toBeGreaterThan(2)
      for (const pieces of [[text], Array.from(text), randomPieces(text, 42)]) {
        expect(yield* Stream.runCollect(Stream.fromIterable(pieces).pipe(chunkSentences()))).toEqual(expected)
      }
    }))

  it.effect("flushes the remainder when upstream ends", () =>
    Effect.gen(function*() {
      expect(yield* Stream.runCollect(Stream.make("Hello", " wor", "ld").pipe(chunkSentences()))).toEqual(["Hello world"])
      expect(yield* Stream.runCollect(Stream.make("Hi! How", " are you").pipe(chunkSentences()))).toEqual(["Hi!", "How are you"])
      expect(yield* Stream.runCollect(Stream.make("  ", "\n").pipe(chunkSentences()))).toEqual([])
      expect(yield* Stream.runCollect(Stream.empty.pipe(chunkSentences()))).toEqual([])
    }))

  /** Runs `chunkSentences` over a queue-fed stream, collecting chunks into `out`. */
  const harness = (options?: ChunkingOptions) =>
    Effect.gen(function*() {
      const input = yield* Queue.unbounded<string, Cause.Done>()
      const out = yield* Queue.unbounded<string>()
      const fiber = yield* Stream.fromQueue(input).pipe(
        chunkSentences(options),
        Stream.runForEach((chunk) => Queue.offer(out, chunk)),
        Effect.forkChild
      )
      const send = (delta: string) => Effect.andThen(Queue.offer(input, delta), settle)
      const received = Effect.andThen(settle, drain(out))
      return { input, fiber, send, received }
    })

  it.effect("emits a chunk in the same step as the delta that completes it", () =>
    Effect.gen(function*() {
      const { fiber, input, received, send } = yield* harness()
      yield* send("Hello there.")
      expect(yield* received).toEqual([])
      yield* send(" ")
      expect(yield* received).toEqual(["Hello there."]) // the clock has not moved
      yield* send("General Kenobi! You are a bold one. Kill")
      expect(yield* received).toEqual([]) // held: shorter than minChars
      yield* send(" him! And more words to pass the minimum length. ")
      expect(yield* received).toEqual(["General Kenobi! You are a bold one. Kill him!", "And more words to pass the minimum length."])
      yield* Queue.end(input)
      yield* Fiber.join(fiber)
      expect(yield* received).toEqual([])
    }))

  it.effect("flushes complete words after flushAfter without a sentence end, not before", () =>
    Effect.gen(function*() {
      const { fiber, input, received, send } = yield* harness()
      yield* send("Hello there my frie")
      yield* TestClock.adjust("799 millis")
      expect(yield* received).toEqual([])
      yield* TestClock.adjust("1 millis")
      expect(yield* received).toEqual(["Hello there my"]) // the word being typed is not cut
      // Only a partial word is pending: the time bound waits for it to complete.
      yield* TestClock.adjust("5 seconds")
      expect(yield* received).toEqual([])
      yield* send("nd")
      expect(yield* received).toEqual([])
      yield* send(" and")
      expect(yield* received).toEqual(["friend"]) // overdue: flushed as soon as the word completed
      yield* TestClock.adjust("800 millis")
      expect(yield* received).toEqual([])
      yield* send(" so")
      expect(yield* received).toEqual(["and"])
      yield* Queue.end(input)
      yield* Fiber.join(fiber)
      expect(yield* received).toEqual(["so"])
    }))

  it.effect("the time bound counts from when the pending text began, and flushes held sentences", () =>
    Effect.gen(function*() {
      const { fiber, input, received, send } = yield* harness()
      yield* send("Hi! ")
      expect(yield* received).toEqual(["Hi!"])
      yield* TestClock.adjust("5 seconds") // nothing pending: no timer
      yield* send("How are you? ")
      yield* TestClock.adjust("799 millis")
      expect(yield* received).toEqual([]) // held for merging
      yield* TestClock.adjust("1 millis")
      expect(yield* received).toEqual(["How are you?"])
      yield* send("Fine")
      yield* TestClock.adjust("10 seconds")
      expect(yield* received).toEqual([])
      yield* Queue.end(input)
      yield* Fiber.join(fiber)
      expect(yield* received).toEqual(["Fine"])
    }))

  it.effect("a flushAfter of Infinity disables the time bound", () =>
    Effect.gen(function*() {
      const { fiber, input, received, send } = yield* harness({ flushAfter: "Infinity" })
      yield* send("Hello there my friend ")
      yield* TestClock.adjust("1 hour")
      expect(yield* received).toEqual([])
      yield* Queue.end(input)
      yield* Fiber.join(fiber)
      expect(yield* received).toEqual(["Hello there my friend"])
    }))

  it.effect("an upstream failure propagates after the chunks already emitted", () =>
    Effect.gen(function*() {
      const emitted: Array<string> = []
      const exit = yield* Stream.make("Hello there. ", "Part").pipe(
        Stream.concat(Stream.fail("boom")),
        chunkSentences(),
        Stream.runForEach((chunk) => Effect.sync(() => emitted.push(chunk))),
        Effect.exit
      )
      expect(emitted).toEqual(["Hello there."])
      expect(exit).toEqual(Exit.fail("boom"))

      // Complete sentences held for merging are spoken; the unfinished tail is dropped.
      const held: Array<string> = []
      const exit2 = yield* Stream.make("Hi! ", "How are you? ", "I am").pipe(
        Stream.concat(Stream.fail("boom")),
        chunkSentences(),
        Stream.runForEach((chunk) => Effect.sync(() => held.push(chunk))),
        Effect.exit
      )
      expect(held).toEqual(["Hi!", "How are you?"])
      expect(exit2).toEqual(Exit.fail("boom"))
    }))

  it.effect("interruption stops upstream cleanly", () =>
    Effect.gen(function*() {
      let finalized = false
      const out = yield* Queue.unbounded<string>()
      const fiber = yield* Stream.make("Hello there. ", "More").pipe(
        Stream.concat(Stream.never),
        Stream.ensuring(Effect.sync(() => {
          finalized = true
        })),
        chunkSentences(),
        Stream.runForEach((chunk) => Queue.offer(out, chunk)),
        Effect.forkChild
      )
      yield* settle
      expect(yield* drain(out)).toEqual(["Hello there."])
      yield* TestClock.adjust("800 millis")
      expect(yield* drain(out)).toEqual([]) // "More" is a word still arriving
      yield* Fiber.interrupt(fiber)
      expect(Exit.hasInterrupts(yield* Fiber.await(fiber))).toBe(true)
      expect(finalized).toBe(true)
      expect(Option.isNone(yield* Queue.poll(out))).toBe(true)
    }))
})
