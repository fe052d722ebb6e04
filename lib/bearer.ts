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

/** Requires `Authorization: Bearer <token>` matching the token read from the environment. */
export function requireBearer(readToken: (env: any) => string | undefined, realm: string): MiddlewareHandler {
  return async (c, next) => {
    const expected = readToken(c.env);
    if (!expected) throw apiError(500, "misconfigured", `${realm} token is not configured`);
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) throw apiError(401, "unauthorized", "missing Authorization: Bearer <token> header");
    if (!timingSafeEqualText(match[1]!.trim(), expected)) throw apiError(403, "forbidden", "the bearer token is not valid");
    await next();
  };
}
