/** A small client of the sweep API: signed submission, polling, cancel. Used by the CLI and the tests. */
import { Webhook } from "standardwebhooks";
import type { SweepView } from "../coordinator/src/sweep-view.js";
import type { SweepRequestInput } from "../core/sweep-request.js";
import { fetchWithReconnect } from "../lib/fetch-retry.js";

export interface ClientOptions {
  url: string;
  webhookSecret: string;
  apiToken: string;
}

export interface Accepted {
  id: string;
  status: string;
  links: { self: string };
}

/** Headers of a Standard Webhooks delivery of `body` (a fresh message id each call). */
export function signWebhook(secret: string, body: string, msgId = `msg_${crypto.randomUUID()}`, at = new Date()): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": msgId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(msgId, at, body),
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

export function sweepClient(options: ClientOptions) {
  const base = options.url.replace(/\/$/, "");
  const auth = { authorization: `Bearer ${options.apiToken}` };
  const json = async <T>(res: Response): Promise<T> => {
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body);
    return body as T;
  };
  return {
    async submit(request: SweepRequestInput): Promise<Accepted> {
      const body = JSON.stringify(request);
      return json(await fetch(`${base}/webhooks/sweeps`, { method: "POST", headers: signWebhook(options.webhookSecret, body), body }));
    },
    async get(id: string): Promise<SweepView> {
      // Polls are idempotent: a dropped keep-alive connection is retried, with a short backoff.
      return json(await fetchWithReconnect(`${base}/sweeps/${id}`, { headers: auth }, { tries: 4, delayMs: 250 }));
    },
    async cancel(id: string): Promise<SweepView> {
      return json(await fetch(`${base}/sweeps/${id}/cancel`, { method: "POST", headers: auth }));
    },
    /** Polls until the sweep finishes; `onProgress` sees every polled view. */
    async waitForFinish(id: string, opts: { intervalMs?: number; timeoutMs?: number; onProgress?: (v: SweepView) => void } = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
      for (;;) {
        const view = await this.get(id);
        opts.onProgress?.(view);
        if (["succeeded", "failed", "cancelled"].includes(view.status)) return view;
        if (Date.now() > deadline) throw new Error(`sweep ${id} still ${view.status} after ${opts.timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 1000));
      }
    },
  };
}
