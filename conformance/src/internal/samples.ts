/**
 * Sample values for one provider option, generated from the options schema: the battery proves
 * that every option of the schema reaches the wire, so it needs a valid value for each one that
 * nobody wrote down. Values are plain and recognisable (a literal the schema names, `true`,
 * small numbers, the string `"conformance"`), objects carry every field, arrays one element; each
 * candidate is kept only if the option's own schema decodes it. The adapter's `validate` hook
 * then picks among them (a value may be valid for one model and not another).
 */
import { Exit, Schema, SchemaAST } from "effect"

/** The schema fields of a capability's options (`Schema.Struct`'s `fields`). */
export type OptionFields = Readonly<Record<string, Schema.Top>>

const STRINGS = ["conformance", "en", "conformance-sample-1"]
const NUMBERS = [1, 0.5, 0.3, 0.7, 2, 7, 42, 100, 0, 0.2, 1.1, 1000, -1]
/** At most this many candidates per node, so nested unions stay small. */
const MAX = 12

const take = (values: ReadonlyArray<unknown>): ReadonlyArray<unknown> => values.slice(0, MAX)

/** Every combination of one candidate per field, first candidates first, capped. */
const objects = (fields: ReadonlyArray<readonly [string, ReadonlyArray<unknown>]>): ReadonlyArray<Record<string, unknown>> => {
  let out: Array<Record<string, unknown>> = [{}]
  for (const [name, values] of fields) {
    if (values.length === 0) return []
    out = out.flatMap((partial) => values.slice(0, 3).map((v) => ({ ...partial, [name]: v }))).slice(0, MAX)
  }
  return out
}

const candidatesOf = (ast: SchemaAST.AST, depth: number): ReadonlyArray<unknown> => {
  if (depth > 6) return []
  switch (ast._tag) {
    case "Literal":
      return [ast.literal]
    case "Boolean":
      return [true, false]
    case "String":
      return STRINGS
    case "Number":
      return NUMBERS
    case "Null":
      return [null]
    case "Unknown":
    case "Any":
      return ["conformance", 1, true]
    case "Enum":
      return ast.enums.map(([, value]) => value)
    case "Union": {
      // A union of literals: the later ones first, the first is often the vendor's default.
      const all = ast.types.flatMap((t) => candidatesOf(t, depth + 1))
      const literals = ast.types.every((t) => t._tag === "Literal")
      return take(literals && all.length > 1 ? [...all.slice(1), all[0]] : all)
    }
    case "Arrays": {
      const item = ast.rest[0]
      const fixed = ast.elements.map((e) => candidatesOf(e, depth + 1)[0])
      if (item === undefined) return [fixed]
      return take(candidatesOf(item, depth + 1).map((v) => [...fixed, v]))
    }
    case "Objects": {
      const props = ast.propertySignatures.filter((p) => typeof p.name === "string")
      const all = objects(props.map((p) => [p.name as string, candidatesOf(p.type, depth + 1)] as const))
      const required = objects(
        props.filter((p) => p.type.context?.isOptional !== true).map((p) => [p.name as string, candidatesOf(p.type, depth + 1)] as const)
      )
      const index = ast.indexSignatures[0]
      const records = index === undefined ? [] : candidatesOf(index.type, depth + 1).map((v) => ({ conformance: v }))
      return take([...all, ...required, ...records].filter((o) => Object.keys(o).length > 0 || props.length === 0))
    }
    case "Suspend":
      return candidatesOf(ast.thunk(), depth + 1)
    default:
      return []
  }
}

/**
 * Valid sample values of one option, best first: candidates from the option's schema that its
 * schema decodes. Empty when none is found; the battery then asks for a sample.
 */
export const sampleValues = (name: string, field: Schema.Top): ReadonlyArray<unknown> => {
  const decode = Schema.decodeUnknownExit(Schema.Struct({ [name]: field }) as unknown as Schema.Decoder<unknown>)
  const seen = new Set<string>()
  const valid = candidatesOf(field.ast, 0).filter((value) => {
    const key = JSON.stringify(value)
    if (seen.has(key)) return false
    seen.add(key)
    return Exit.isSuccess(decode({ [name]: value }))
  })
  // An empty object or list proves little on the wire: those come last.
  return [...valid.filter((v) => !isEmpty(v)), ...valid.filter(isEmpty)]
}

const isEmpty = (value: unknown): boolean =>
  value === "" || (Array.isArray(value) ? value.length === 0 || value.every(isEmpty) : typeof value === "object" && value !== null && Object.keys(value).length === 0)
