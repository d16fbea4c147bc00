/**
 * docs/server.md shows the mounting examples as the tests run them: the code of each example
 * file (all but its header comment) appears in the page word for word.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"

const page = readFileSync(new URL("../../../../docs/server.md", import.meta.url), "utf8")
const codeOf = (file: string) => {
  const text = readFileSync(new URL(`../../examples/${file}`, import.meta.url), "utf8")
  return text.slice(text.indexOf("*/\n") + 3).trimEnd()
}

describe("docs/server.md's mounting examples", () => {
  it.each(["hono.ts", "express.ts", "next/lib/patchbay.ts", "next/app/api/patchbay/[...path]/route.ts"])("%s is on the page as it is", (file) => {
    const code = codeOf(file)
    expect(code.length).toBeGreaterThan(100)
    expect(page).toContain(`\n${code}\n\`\`\``)
  })
})
