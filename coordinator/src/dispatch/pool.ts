import type { SliceRequest, SliceResult } from "../../../core/contract.js";

export interface Dispatcher {
  /** Trains one slice somewhere and resolves with its result; rejects on any failure. */
  dispatch(slice: SliceRequest, signal: AbortSignal): Promise<SliceResult>;
}

/**
 * A trainer busy training cannot read its sockets, so an idle keep-alive connection to it can be
 * dropped just as the next slice is sent on it ("Network connection lost" before any response).
 * That one case is retried once on a fresh connection; a re-sent slice is harmless, since results
 * are recorded idempotently and training is deterministic.
 */
async function fetchReconnecting(url: string, init: RequestInit & { signal: AbortSignal }): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (init.signal.aborted || !(err instanceof Error) || !/network connection lost/i.test(err.message)) throw err;
    return fetch(url, init);
  }
}

/** In-flight slices per trainer origin, shared by every sweep in this isolate. */
const inFlight = new Map<string, number>();

/**
 * Sends each slice over HTTP to the trainer with the fewest slices in flight: every trainer is
 * its own workerd process (one thread each), so spreading is what makes a sweep parallel.
 */
export function poolDispatcher(trainerUrls: string, internalToken: string): Dispatcher {
  const urls = trainerUrls
    .split(",")
    .map((u) => u.trim().replace(/\/$/, ""))
    .filter(Boolean);
  if (urls.length === 0) throw new Error("TRAINER_URLS is empty: expected comma-separated trainer origins");
  return {
    async dispatch(slice, signal) {
      const url = urls.reduce((best, u) => ((inFlight.get(u) ?? 0) < (inFlight.get(best) ?? 0) ? u : best));
      inFlight.set(url, (inFlight.get(url) ?? 0) + 1);
      try {
        const res = await fetchReconnecting(`${url}/slices`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${internalToken}` },
          body: JSON.stringify(slice),
          signal,
        });
        if (!res.ok) throw new Error(`trainer ${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
        return (await res.json()) as SliceResult;
      } finally {
        inFlight.set(url, (inFlight.get(url) ?? 1) - 1);
      }
    },
  };
}
