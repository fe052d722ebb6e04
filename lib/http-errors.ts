/**
 * One error shape for both Workers: {"error": {"code", "message", "details"?}}. Routes throw
 * `apiError(...)` near the cause; `onError` is the only place that turns errors into responses.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function apiError(status: ContentfulStatusCode, code: string, message: string, details?: unknown): HTTPException {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return new HTTPException(status, { message, res: Response.json(body, { status }) });
}

/** 405 with an Allow header, for a known path asked with a method it does not serve. */
export function methodNotAllowed(...allowed: string[]) {
  return (c: Context): never => {
    const message = `${c.req.method} is not served on ${c.req.path}; use ${allowed.join(" or ")}`;
    const body: ErrorBody = { error: { code: "method_not_allowed", message } };
    throw new HTTPException(405, { message, res: Response.json(body, { status: 405, headers: { allow: allowed.join(", ") } }) });
  };
}

export function onError(err: Error, c: Context): Response {
  if (err instanceof HTTPException) {
    const res = err.getResponse();
    if (res.headers.get("content-type")?.includes("application/json")) return res;
    return c.json({ error: { code: codeForStatus(err.status), message: err.message || res.statusText } }, err.status);
  }
  console.error(`${c.req.method} ${c.req.path} failed:`, err);
  return c.json({ error: { code: "internal", message: "internal error; it has been logged" } }, 500);
}

export function notFound(c: Context): Response {
  return c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404);
}

function codeForStatus(status: number): string {
  if (status === 400) return "bad_request";
  if (status === 401) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 413) return "payload_too_large";
  return status >= 500 ? "internal" : "error";
}

/** Zod issues as {path, message} pairs with dotted paths, for 422 details. */
export function issueList(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>, prefix?: string) {
  return issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== undefined && p !== "").join(".") || "(body)",
    message: i.message,
  }));
}
