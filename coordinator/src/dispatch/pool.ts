import type { SliceRequest, SliceResult } from "../../../core/contract.js";
import { fetchWithReconnect } from "../../../lib/fetch-retry.js";

export interface Dispatcher {
  /** Trains one slice somewhere and resolves with its result; rejects on any failure. */
  dispatch(slice: SliceRequest, signal: AbortSignal): Promise<SliceResult>;
}

/**
 * A dropped keep-alive connection ("Network connection lost" before any response) is retried once
 * on a fresh connection; nothing else is, since a slice is expensive. A re-sent slice is harmless:
 * results are recorded idempotently and training is deterministic.
 */
const connectionLost = (signal: AbortSignal) => (err: unknown) =>
  !signal.aborted && err instanceof Error && /network connection lost/i.test(err.message);

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
        const res = await fetchWithReconnect(
          `${url}/slices`,
          {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${internalToken}` },
            body: JSON.stringify(slice),
            signal,
          },
          { tries: 2, retryIf: connectionLost(signal) },
        );
        if (!res.ok) throw new Error(`trainer ${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 500)}`);
        return (await res.json()) as SliceResult;
      } finally {
        inFlight.set(url, (inFlight.get(url) ?? 1) - 1);
      }
    },
  };
}
