/**
 * A Next.js route handler (App Router) that serves Patchbay under `/api/patchbay`: the catch-all
 * segment sends every path below it here, and each method is the server's fetch-style handler,
 * `(Request) => Promise<Response>`. The Node.js runtime is required (uploads are spooled to disk,
 * media read from it).
 */
import { patchbay } from "../../../../lib/patchbay.ts"

export const runtime = "nodejs"

export const GET = patchbay.handler
export const HEAD = patchbay.handler
export const POST = patchbay.handler
export const PUT = patchbay.handler
export const DELETE = patchbay.handler
export const OPTIONS = patchbay.handler
