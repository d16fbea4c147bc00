/**
 * The declaration: its error bodies and statuses, its OpenAPI document, and that it stays free
 * of Node-only imports (through core's schema entry too), so clients can run anywhere.
 */
import { InputTooLarge, NotFound, RateLimited, ThreadBusy } from "@patchbay/core/schema"
import { OpenApi } from "effect/http-api"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { Api, HeadersTooLarge, RequestTimeout, statusOf, toErrorBody, Unauthorized, UnsupportedMediaType } from "../src/index.ts"

describe("error bodies", () => {
  it("carry detail, code, retryable and the error's own fields in snake_case", () => {
    expect(toErrorBody(new RateLimited({ provider: "openai", retryAfter: 2, status: 429, requestId: "req_1" }))).toEqual({
      detail: "Rate limited (openai); retry after 2s",
      code: "RateLimited",
      retryable: true,
      retry_after: 2,
      provider: "openai",
      status: 429,
      request_id: "req_1"
    })
    expect(toErrorBody(new ThreadBusy({ threadId: "thr_1", runId: "run_1" }))).toMatchObject({ code: "ThreadBusy", thread_id: "thr_1", run_id: "run_1" })
    expect(toErrorBody(new NotFound({ kind: "thread", id: "thr_x" }))).toEqual({
      detail: "No thread with id \"thr_x\"",
      code: "NotFound",
      retryable: false,
      kind: "thread",
      id: "thr_x"
    })
  })

  it("the HTTP-only errors", () => {
    expect(toErrorBody(new Unauthorized({ reason: "missing" }))).toMatchObject({ code: "Unauthorized", retryable: false })
    expect(toErrorBody(new UnsupportedMediaType({ contentType: "text/plain", allowed: ["application/json"] }))).toEqual({
      detail: "Unsupported media type: Content-Type \"text/plain\"; send one of application/json",
      code: "UnsupportedMediaType",
      retryable: false,
      content_type: "text/plain",
      allowed: ["application/json"]
    })
    expect(new RequestTimeout({ timeoutMs: 30_000 }).retryable).toBe(true)
    expect(new HeadersTooLarge({ limit: 16_384, size: 20_000 }).message).toBe("Request headers are 20000 bytes; the server takes at most 16384")
  })

  it("statuses follow DESIGN's table", () => {
    const table = {
      InvalidRequest: 400,
      UnknownProvider: 400,
      UnknownModel: 400,
      UnsupportedFormat: 400,
      Unauthorized: 401,
      NotFound: 404,
      RequestTimeout: 408,
      ThreadBusy: 409,
      InputTooLarge: 413,
      UnsupportedMediaType: 415,
      RateLimited: 429,
      BudgetExceeded: 429,
      HeadersTooLarge: 431,
      AuthenticationFailed: 502,
      PermissionDenied: 502,
      QuotaExceeded: 502,
      MissingApiKey: 502,
      ProviderUnavailable: 503,
      StoreUnavailable: 503,
      ProviderTimeout: 504
    }
    expect(Object.fromEntries(Object.keys(table).map((code) => [code, statusOf(code)]))).toEqual(table)
    expect(statusOf(new InputTooLarge({ field: "audio_file", limit: 1, size: 2 })._tag)).toBe(413)
  })
})

describe("the OpenAPI document", () => {
  const doc = OpenApi.fromApi(Api)

  it("declares the message routes with JSON and multipart bodies, JSON and SSE answers", () => {
    const message = doc.paths["/threads/{thread_id}/messages"]!.post!
    expect(Object.keys(message.requestBody!.content)).toEqual(["application/json", "multipart/form-data"])
    expect(Object.keys(message.responses["200"]!.content!)).toEqual(["application/json", "text/event-stream"])
    expect(Object.keys(message.responses)).toEqual(["200", "400", "401", "404", "408", "409", "413", "415", "429", "431", "500", "502", "503", "504"])
  })

  it("declares the memory routes, and memory fields on multipart messages", () => {
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).filter((key) => ["get", "post", "put", "delete"].includes(key))
    expect(methods("/assistants/{assistant_id}/memories")).toEqual(["get", "post", "delete"])
    expect(methods("/assistants/{assistant_id}/memories/search")).toEqual(["post"])
    expect(methods("/assistants/{assistant_id}/memories/stats")).toEqual(["get"])
    expect(methods("/assistants/{assistant_id}/memories/{memory_id}")).toEqual(["get", "put", "delete"])
    expect(methods("/assistants/{assistant_id}/memories/{memory_id}/history")).toEqual(["get"])
    expect(methods("/assistants/{assistant_id}/memories/{memory_id}/restore")).toEqual(["post"])
    expect(methods("/assistants/memories/operations/{operation_id}")).toEqual(["get"])
    expect(doc.paths["/assistants/{assistant_id}/memories"]!.delete!.parameters.map((p) => p.name)).toEqual(["assistant_id", "memory_scope"])
    const multipart = doc.paths["/threads/messages"]!.post!.requestBody!.content["multipart/form-data"]!.schema as { readonly $ref?: string }
    const fields = (doc.components.schemas[multipart.$ref!.split("/").at(-1)!] as { readonly properties: Record<string, unknown> }).properties
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(["memory", "memory_scope", "audio_file"]))
  })

  it("spells numbers as numbers and integers as integers", () => {
    const text = JSON.stringify(doc)
    expect(text.match(/"NaN"/g)).toBeNull()
    expect(doc.paths["/assistants"]!.get!.parameters.map((p) => p.name)).toEqual(["skip", "limit"])
  })
})

describe("no Node-only import", () => {
  const root = path.resolve(import.meta.dirname, "../../..")
  /** The relative imports of a module, followed, and every import specifier met. */
  const specifiers = (entry: string): Set<string> => {
    const seen = new Set<string>()
    const found = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
      for (const match of code.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        const spec = match[1]!
        if (spec.startsWith(".")) visit(path.resolve(path.dirname(file), spec))
        else if (spec === "@patchbay/core/schema") visit(path.join(root, "packages/core/src/schema.ts"))
        else if (spec === "@patchbay/audio") visit(path.join(root, "packages/audio/src/index.ts"))
        else found.add(spec)
      }
    }
    visit(entry)
    return found
  }

  it("the declaration and core's schema entry import only effect and pure packages", () => {
    const imported = [...specifiers(path.join(root, "packages/api/src/index.ts"))]
    expect(imported).toContain("effect/http-api")
    expect(imported.filter((spec) => spec.startsWith("node:"))).toEqual([])
  })
})
