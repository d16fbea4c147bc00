#!/usr/bin/env node
// Counts lines of code (not blank, not comment) in the TypeScript files under each folder given,
// e.g. `node scripts/code-lines.mjs adapters/*/src conformance/examples/acme-voice/src`.
// A line is a comment when it starts with `//`, or lies inside (or is) a `/* … */` block.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : files(path)
    return /\.tsx?$/.test(name) ? [path] : []
  })

const codeLines = (text) => {
  let inBlock = false
  let count = 0
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (inBlock) {
      if (line.includes("*/")) {
        inBlock = false
        if (line.slice(line.indexOf("*/") + 2).trim() !== "") count++
      }
      continue
    }
    if (line === "" || line.startsWith("//")) continue
    if (line.startsWith("/*")) {
      const end = line.indexOf("*/", 2)
      if (end === -1) inBlock = true
      else if (line.slice(end + 2).trim() !== "") count++
      continue
    }
    count++
  }
  return count
}

let total = 0
for (const dir of process.argv.slice(2)) {
  const n = files(dir).reduce((sum, file) => sum + codeLines(readFileSync(file, "utf8")), 0)
  total += n
  console.log(`${String(n).padStart(6)}  ${dir}`)
}
console.log(`${String(total).padStart(6)}  total`)
