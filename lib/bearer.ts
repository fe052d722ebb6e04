import type { MiddlewareHandler } from "hono";
import { apiError } from "./http-errors.js";

/** Constant-time string comparison, so response timing does not reveal how much of a token matched. */
export function timingSafeEqualText(a: string, b: string): boolean {
  const enc = new TextEncoder();
  const x = enc.encode(a);
  const y = enc.encode(b);
  let diff = x.length ^ y.length;
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Splits comma-separated token lists (several may be active during a rotation). */
export function tokenList(...values: Array<string | undefined>): string[] {
  return values.flatMap((v) => (v ?? "").split(",")).map((t) => t.trim()).filter(Boolean);
}

/** Requires `Authorization: Bearer <token>` matching one of the tokens read from the environment. */
export function requireBearer(readTokens: (env: any) => string[], realm: string): MiddlewareHandler {
  return async (c, next) => {
    const accepted = readTokens(c.env);
    if (accepted.length === 0) throw apiError(500, "misconfigured", `no ${realm} token is configured`);
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S.*)$/i.exec(header);
    if (!match) throw apiError(401, "unauthorized", "missing or empty Authorization: Bearer <token> header");
    const presented = match[1]!.trim();
    // Compare against every token (no early exit) so timing does not reveal which one matched.
    const ok = accepted.map((t) => timingSafeEqualText(presented, t)).includes(true);
    if (!ok) throw apiError(403, "forbidden", "the bearer token is not valid");
    await next();
  };
}
