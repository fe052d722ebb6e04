/**
 * fetch that retries transport failures on a fresh connection; HTTP error statuses are answers
 * and are returned as they are. A runtime busy training (one thread) cannot read its sockets, so
 * an idle keep-alive connection to it can be dropped just as the next request reuses it, which
 * fails with "Network connection lost" before reaching the server. Only for requests that are
 * safe to send twice.
 */
export interface ReconnectOptions {
  /** Attempts in all, the first included. */
  tries: number;
  /** Wait before retry n: n × delayMs (default 0). */
  delayMs?: number;
  /** Which failures are worth another attempt (default: all). */
  retryIf?: (err: unknown) => boolean;
}

export async function fetchWithReconnect(url: string, init: RequestInit, options: ReconnectOptions): Promise<Response> {
  for (let n = 1; ; n++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (n >= options.tries || (options.retryIf && !options.retryIf(err))) throw err;
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs! * n));
    }
  }
}
