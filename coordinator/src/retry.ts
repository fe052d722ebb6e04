/** Runs `attempt` up to `tries` times, waiting backoffMs, 2×backoffMs, … between tries. */
export async function withRetries<T>(
  attempt: (tryNumber: number) => Promise<T>,
  options: { tries: number; backoffMs: number; onFailure?: (err: unknown, tryNumber: number) => void },
): Promise<T> {
  if (!Number.isInteger(options.tries) || options.tries < 1) {
    throw new TypeError(`Expected tries to be a positive integer, got ${options.tries}`);
  }
  let lastError: unknown;
  for (let n = 1; n <= options.tries; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      lastError = err;
      options.onFailure?.(err, n);
      if (n < options.tries) await new Promise((r) => setTimeout(r, options.backoffMs * 2 ** (n - 1)));
    }
  }
  throw lastError;
}
