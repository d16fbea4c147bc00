/**
 * Writes the memory benchmark's synthetic data set, `bench/memory/dataset.json`, from a fixed
 * seed: run it again and the file comes out byte for byte the same
 * (`node bench/memory/generate.ts`; `--check` only verifies that the committed file is current).
 *
 * 24 personas, each stating about ten facts about themselves over four sessions among 30
 * incidental remarks (fillers that share words with the facts, as real conversations do), then
 * correcting two facts, half the time naming the old value ("I moved from Lyon to Oslo"), half
 * the time not ("We finally settled in Oslo"), and asking to forget one ("Forget my phone
 * number"). Every current fact gets the questions of its kind: some share a word with the fact
 * ("Where do I live?" / "Lives in Oslo"), many are paraphrases that share none ("Which town is
 * home for me these days?"); each is answered by exactly one current fact. The concept table of
 * the fake embedding (see `dataset.ts`) maps the synonyms most paraphrases use to one concept;
 * the last question of each kind uses words the table does not know ("Where would I pay council
 * tax?") or maps elsewhere ("What do I do for a living?"), as a real embedding is not perfect.
 */
import { readFileSync, writeFileSync } from "node:fs"
import { terms } from "../../packages/core/src/internal/lexical.ts"
import { type Dataset, datasetPath, type FactEvent, type Persona, type Question } from "./dataset.ts"

const SEED = 19

/** mulberry32: a small, well-mixed 32-bit generator. */
const random = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = random(SEED)
const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(rand() * items.length)]!
const shuffle = <A>(items: ReadonlyArray<A>): Array<A> => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** A kind of fact: how it is stored, said, corrected or forgotten, and asked about. */
interface Slot {
  readonly id: string
  readonly values: ReadonlyArray<string>
  readonly fact: (v: string) => string
  readonly say: (v: string) => string
  /** Ways to state a correction: some name the old value, some do not. */
  readonly correct?: ReadonlyArray<(old: string, v: string) => string>
  readonly forget?: string
  readonly questions: ReadonlyArray<string>
}

const slots: ReadonlyArray<Slot> = [
  {
    id: "city",
    values: ["Lyon", "Oslo", "Porto", "Krakow", "Dublin", "Vienna", "Seville", "Tampere", "Ghent", "Bologna"],
    fact: (v) => `Lives in ${v}`,
    say: (v) => `I live in ${v}.`,
    correct: [(old, v) => `I moved from ${old} to ${v} last month.`, (_, v) => `We finally settled in ${v}, so that's my address now.`],
    questions: ["Where do I live?", "Which town is home for me these days?", "What city should the postcard go to?", "Where would I pay council tax?"]
  },
  {
    id: "job",
    values: ["nurse", "teacher", "carpenter", "pilot", "accountant", "architect", "chef", "librarian", "dentist", "electrician", "journalist", "pharmacist"],
    fact: (v) => `Works as a ${v}`,
    say: (v) => `I work as a ${v}.`,
    correct: [(old, v) => `I quit being a ${old}; I'm a ${v} now.`, (_, v) => `Big news: I retrained and I'm a ${v} now.`],
    questions: ["What work do I do?", "What is my profession?", "What's my occupation?", "What do I do for a living?"]
  },
  {
    id: "pet",
    values: ["dog named Rex", "cat named Miso", "parrot named Kiwi", "rabbit named Clover", "hamster named Pip", "tortoise named Sheldon"],
    fact: (v) => `Has a ${v}`,
    say: (v) => `I have a ${v}.`,
    questions: ["What is the name of my pet?", "Do I keep any animals?", "Who greets me when I get back?"]
  },
  {
    id: "phone",
    values: ["+47 412 55 019", "+33 6 12 44 90 71", "+351 912 300 441", "+48 601 220 875", "+353 87 555 0192"],
    fact: (v) => `Phone number is ${v}`,
    say: (v) => `My phone number is ${v}.`,
    forget: "Forget my phone number, please.",
    questions: ["What's my phone number?", "How can you reach me by telephone?", "Which digits should you dial for me?"]
  },
  {
    id: "sibling",
    values: ["Anna", "Ingrid", "Chloe", "Marta", "Siobhan", "Lena", "Giulia"],
    fact: (v) => `Has a sister called ${v}`,
    say: (v) => `My sister is called ${v}.`,
    questions: ["Who is my sister?", "What is my sibling's name?", "Who else did my parents raise?"]
  },
  {
    id: "allergy",
    values: ["peanuts", "shellfish", "gluten", "strawberries", "sesame", "eggs"],
    fact: (v) => `Is allergic to ${v}`,
    say: (v) => `I'm allergic to ${v}.`,
    questions: ["What am I allergic to?", "Which foods must I avoid?", "What gives me hives?"]
  },
  {
    id: "hobby",
    values: ["rock climbing", "watercolour painting", "playing chess", "birdwatching", "baking sourdough", "sailing", "pottery"],
    fact: (v) => `Enjoys ${v} on weekends`,
    say: (v) => `On weekends I enjoy ${v}.`,
    forget: "Forget what I said about my weekend hobby.",
    questions: ["What's my hobby?", "How do I like to spend my free time?", "What do I do on Saturdays?"]
  },
  {
    id: "drink",
    values: ["black coffee", "green tea", "an oat latte", "espresso", "hot chocolate", "chai"],
    fact: (v) => `Prefers ${v} in the morning`,
    say: (v) => `In the morning I prefer ${v}.`,
    correct: [(old, v) => `I switched from ${old} to ${v} at breakfast.`, (_, v) => `These days it's ${v} first thing for me.`],
    questions: ["What's my favourite morning drink?", "What should you offer me at breakfast?", "What wakes me up?"]
  },
  {
    id: "car",
    values: ["red Volvo", "blue Toyota", "white Tesla", "green Fiat", "grey Skoda", "black Renault"],
    fact: (v) => `Drives a ${v}`,
    say: (v) => `I drive a ${v}.`,
    correct: [(old, v) => `I sold the ${old} and bought a ${v}.`, (_, v) => `Just picked up a ${v} from the dealer.`],
    forget: "Forget everything about my car.",
    questions: ["What car do I drive?", "Which vehicle do I own?", "What is parked in my driveway?"]
  },
  {
    id: "partner",
    values: ["Tomas", "Elif", "Priya", "Mateo", "Sven", "Aoife", "Karim"],
    fact: (v) => `Is married to ${v}`,
    say: (v) => `I'm married to ${v}.`,
    questions: ["Who am I married to?", "What's my spouse called?", "Who is my better half?"]
  },
  {
    id: "language",
    values: ["Japanese", "Portuguese", "Italian", "Korean", "German", "Spanish"],
    fact: (v) => `Is learning ${v}`,
    say: (v) => `I'm learning ${v}.`,
    questions: ["Which language am I learning?", "What am I studying at evening classes?", "Which tongue am I picking up?"]
  },
  {
    id: "birthday",
    values: ["March", "July", "October", "January", "May", "December"],
    fact: (v) => `Birthday is in ${v}`,
    say: (v) => `My birthday is in ${v}.`,
    questions: ["When is my birthday?", "Which month was I born?", "When do I get a cake?"]
  },
  {
    id: "diet",
    values: ["vegetarian", "vegan", "pescatarian", "keto"],
    fact: (v) => `Follows a ${v} diet`,
    say: (v) => `I follow a ${v} diet.`,
    correct: [(old, v) => `I'm not ${old} any more, I went ${v}.`, (_, v) => `I've gone ${v} since the new year.`],
    questions: ["What diet do I follow?", "Do I eat meat?", "Should you book a steakhouse for me?"]
  },
  {
    id: "team",
    values: ["Celtic", "Benfica", "Rosenborg", "Olympique Lyonnais", "Rapid Wien", "Real Betis"],
    fact: (v) => `Supports ${v}`,
    say: (v) => `I support ${v}.`,
    forget: "Forget which team I support.",
    questions: ["Which football club do I cheer for?", "Which team do I support?", "Whose matches do I watch?"]
  },
  {
    id: "instrument",
    values: ["piano", "cello", "guitar", "trumpet", "violin", "drums"],
    fact: (v) => `Plays the ${v}`,
    say: (v) => `I play the ${v}.`,
    questions: ["What instrument do I play?", "What kind of music do I make myself?", "What do I practise every evening?"]
  },
  {
    id: "child",
    values: ["Leo", "Noah", "Aksel", "Hugo", "Ruben", "Oskar"],
    fact: (v) => `Has a son named ${v}`,
    say: (v) => `My son is named ${v}.`,
    questions: ["What is my son's name?", "What's my kid called?", "Who do I pick up from school?"]
  }
]

/** Incidental remarks: they share words with the facts and their questions, as conversations do. */
const fillers: ReadonlyArray<string> = [
  "Watched a documentary about {animal} last {day}",
  "Visited {city} for a conference once",
  "Once lived in a student flat during university",
  "Had a summer job at a cafe as a teenager",
  "A friend owns a {animal} that barks at night",
  "The {colour} car of a neighbour blocks the driveway",
  "Drank too much coffee before a meeting on {day}",
  "Thinks the weather in {city} is usually grey",
  "Read a novel about a pilot who lost his way",
  "Went to a concert where a band played the guitar badly",
  "Cooked pasta for friends on {day}",
  "Finds trains more relaxing than planes",
  "Is planning a trip to {city} in the spring",
  "Does not like crowded supermarkets",
  "Forgot an umbrella on the bus on {day}",
  "Painted the kitchen {colour} last year",
  "Tried a new bakery near the station",
  "Fell asleep during a long film about music",
  "Helped a colleague move house on {day}",
  "Lost a phone charger at the airport",
  "Wants to see the northern lights one day",
  "Ordered {food} at a restaurant by the river",
  "Was late to work because of a strike on {day}",
  "Keeps plants on the balcony",
  "Listened to a podcast about football tactics",
  "Bought a {colour} jacket in the sales",
  "Ran a 10 km race in {city} two years ago",
  "Thinks board games are better than television",
  "Has a dentist appointment coming up on {day}",
  "Met an old school friend at the market",
  "Would like to learn to swim properly",
  "Was annoyed by a noisy neighbour on {day}",
  "Found a cheap flight to {city}",
  "Cleaned the garage at the weekend",
  "Saw a {animal} in the park near home",
  "Prefers window seats on long journeys",
  "Got a parking ticket outside the gym",
  "Likes the smell of rain on warm stone",
  "Signed up for a pottery class but never went",
  "Borrowed a ladder from the family next door"
]
const fill: Readonly<Record<string, ReadonlyArray<string>>> = {
  animal: ["whales", "wolves", "otters", "a fox", "a hedgehog", "owls"],
  day: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
  city: ["Lisbon", "Prague", "Bergen", "Lyon", "Oslo", "Porto", "Vienna", "Dublin"],
  colour: ["red", "blue", "green", "yellow", "white"],
  food: ["risotto", "ramen", "paella", "dumplings", "curry"]
}
const fillIn = (template: string) => template.replace(/\{(\w+)\}/g, (_, key: string) => pick(fill[key]!))

/** Synonyms the paraphrases use, mapped to one concept each (the fake embedding's table). */
const conceptGroups: Readonly<Record<string, ReadonlyArray<string>>> = {
  residence: ["live", "lives", "lived", "living", "home", "town", "city", "moved", "reside", "postcard", "address"],
  occupation: ["work", "works", "worked", "job", "profession", "occupation", "career", "quit"],
  pet: ["pet", "pets", "animal", "animals", "dog", "cat", "parrot", "rabbit", "hamster", "tortoise", "keep"],
  phone: ["phone", "telephone", "number", "reach", "call", "mobile"],
  sibling: ["sister", "sibling", "brother", "siblings"],
  allergy: ["allergic", "allergy", "avoid", "intolerant", "foods", "must"],
  leisure: ["hobby", "hobbies", "enjoy", "enjoys", "free", "weekend", "weekends", "spend"],
  drink: ["drink", "drinks", "coffee", "tea", "latte", "espresso", "chocolate", "chai", "breakfast", "morning", "offer", "prefers", "prefer", "favourite"],
  car: ["car", "vehicle", "drive", "drives", "own", "sold", "bought"],
  spouse: ["married", "spouse", "wife", "husband", "partner"],
  study: ["learning", "learn", "studying", "study", "language", "classes", "evening"],
  birth: ["birthday", "born", "month"],
  diet: ["diet", "vegetarian", "vegan", "pescatarian", "keto", "meat", "eat", "follow", "follows"],
  fandom: ["support", "supports", "team", "club", "football", "cheer", "fan"],
  music: ["play", "plays", "instrument", "music", "piano", "cello", "guitar", "trumpet", "violin", "drums"],
  child: ["son", "kid", "child", "children", "daughter"]
}
const concepts: Record<string, string> = {}
for (const [concept, words] of Object.entries(conceptGroups)) for (const word of words) concepts[word] = concept

const stopWords = [
  "a", "an", "the", "i", "i'm", "m", "s", "my", "me", "myself", "is", "am", "are", "was", "do", "does", "did", "what", "which",
  "who", "where", "when", "how", "to", "in", "of", "for", "at", "on", "and", "you", "should", "these", "days", "now", "any",
  "has", "have", "called", "named", "name", "kind", "make", "like", "go", "can", "by", "with", "it", "that", "this"
]

const names = [
  "Astrid", "Benoit", "Carmen", "Dmitri", "Eilidh", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kasia", "Lars",
  "Maeve", "Nuno", "Olga", "Pierre", "Quinn", "Rosa", "Sami", "Tove", "Ugo", "Vera", "Wiktor", "Yusuf"
]

const personas: Array<Persona> = []
const questions: Array<Question> = []
const sharesAWord = (question: string, fact: string) => {
  const factTerms = new Set(terms(fact))
  return terms(question).some((term) => !stopWords.includes(term) && factTerms.has(term))
}

names.forEach((name, index) => {
  const id = `p${String(index + 1).padStart(2, "0")}`
  const chosen = shuffle(slots).slice(0, 11)
  const values = new Map(chosen.map((slot) => [slot.id, pick(slot.values)]))
  const factId = (slot: Slot) => `${id}.${slot.id}`
  const correctable = shuffle(chosen.filter((slot) => slot.correct !== undefined)).slice(0, 2)
  const forgettable = shuffle(chosen.filter((slot) => slot.forget !== undefined && !correctable.includes(slot))).slice(0, 1)
  const sessions: Array<Array<FactEvent>> = [[], [], [], []]
  // Sessions 1-3: the facts, first values, among the fillers.
  chosen.forEach((slot, i) => {
    const v = values.get(slot.id)!
    sessions[i % 3]!.push({ op: "add", fact_id: factId(slot), utterance: slot.say(v), fact: slot.fact(v) })
  })
  shuffle(fillers).slice(0, 30).forEach((template, i) => {
    const text = fillIn(template)
    sessions[i % 3]!.push({ op: "add", fact_id: `${id}.note${String(i + 1).padStart(2, "0")}`, utterance: `${text}.`, fact: text })
  })
  for (const list of sessions.slice(0, 3)) {
    const shuffled = shuffle(list)
    list.splice(0, list.length, ...shuffled)
  }
  // Session 4: corrections and a deletion.
  const history = new Map<string, Array<string>>()
  for (const slot of correctable) {
    const old = values.get(slot.id)!
    const next = pick(slot.values.filter((v) => v !== old))
    values.set(slot.id, next)
    history.set(slot.id, [slot.fact(old)])
    sessions[3]!.push({ op: "update", fact_id: factId(slot), utterance: pick(slot.correct!)(old, next), fact: slot.fact(next), old_fact: slot.fact(old) })
  }
  for (const slot of forgettable) {
    sessions[3]!.push({ op: "delete", fact_id: factId(slot), utterance: slot.forget!, old_fact: slot.fact(values.get(slot.id)!) })
  }
  personas.push({ id, name, sessions: sessions.map((events, i) => ({ session: i + 1, events })) })
  for (const slot of chosen) {
    if (forgettable.includes(slot)) continue
    const answer = slot.fact(values.get(slot.id)!)
    for (const text of slot.questions) {
      questions.push({
        id: `q${String(questions.length + 1).padStart(3, "0")}`,
        persona: id,
        text,
        answer_fact: factId(slot),
        answer,
        superseded: history.get(slot.id) ?? [],
        shares_a_word: sharesAWord(text, answer)
      })
    }
  }
})

const dataset: Dataset = {
  description: "Synthetic memory benchmark data: personas state facts over four sessions, correct two and ask to forget one; " +
    "each question is answered by one current fact. Generated by bench/memory/generate.ts; do not edit by hand.",
  seed: SEED,
  embedding: {
    label: "fake concept embedding (deterministic bag of concepts from this table, hashed to dimensions; NOT a vendor model)",
    dimensions: 256,
    stop_words: stopWords,
    concepts
  },
  personas,
  filler_templates: fillers,
  questions
}

const text = `${JSON.stringify(dataset, null, 1)}\n`
if (process.argv.includes("--check")) {
  const current = readFileSync(datasetPath, "utf8")
  if (current !== text) {
    console.error("bench/memory/dataset.json is not what generate.ts writes: run `node bench/memory/generate.ts`")
    process.exit(1)
  }
  console.log("bench/memory/dataset.json is current")
} else {
  writeFileSync(datasetPath, text)
  const paraphrases = questions.filter((q) => !q.shares_a_word).length
  console.log(`wrote ${datasetPath.pathname}: ${personas.length} personas, ${questions.length} questions (${paraphrases} share no word with their fact)`)
}
