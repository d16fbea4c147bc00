/**
 * `CurrentTenant`: whose data a program reads and writes. Every store scopes every method by
 * it, so one runtime serves many tenants: the server sets it per request from the API key, and
 * `createPatchbay({ tenantId })` only sets its default. Another tenant's ids answer `NotFound`.
 *
 * @since 0.2.0
 */
import { Context } from "effect"

/** The tenant of a runtime that names none. */
export const DEFAULT_TENANT = "default"

/**
 * The tenant the stores read; `"default"` unless provided, e.g.
 * `Effect.provideService(program, CurrentTenant, "acme")`.
 *
 * @category services
 */
export const CurrentTenant = Context.Reference<string>("@patchbay/core/CurrentTenant", {
  defaultValue: () => DEFAULT_TENANT
})
