/**
 * Completion callbacks: when a sweep ends, its `callbackUrl` receives a Standard Webhooks signed
 * event (sweep.succeeded | sweep.failed | sweep.cancelled). The message id is stable across
 * retries so receivers can deduplicate.
 */
import { Webhook } from "standardwebhooks";
import type { Env } from "./env.js";

export const CALLBACK_TRIES = 5;
const CALLBACK_TIMEOUT_MS = 10_000;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Why a callback URL is refused, or null when it is acceptable. */
export function callbackUrlProblem(text: string, env: Pick<Env, "CALLBACK_ALLOW_HTTP">): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not an absolute URL`;
  }
  if (url.username || url.password) return "credentials in the URL are not allowed";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && env.CALLBACK_ALLOW_HTTP === "loopback" && LOOPBACK.has(url.hostname)) return null;
  return `only https URLs are allowed, got ${url.protocol}`;
}

export interface CallbackAttempt {
  ok: boolean;
  httpStatus: number | null;
  error: string | null;
}

export async function deliverCallback(options: {
  url: string;
  secret: string;
  messageId: string;
  payload: unknown;
}): Promise<CallbackAttempt> {
  const body = JSON.stringify(options.payload);
  const at = new Date();
  const headers = {
    "content-type": "application/json",
    "webhook-id": options.messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(options.secret).sign(options.messageId, at, body),
  };
  try {
    const res = await fetch(options.url, { method: "POST", headers, body, signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS), redirect: "manual" });
    await res.body?.cancel();
    return res.ok ? { ok: true, httpStatus: res.status, error: null } : { ok: false, httpStatus: res.status, error: `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, httpStatus: null, error: err instanceof Error ? err.message : String(err) };
  }
}
