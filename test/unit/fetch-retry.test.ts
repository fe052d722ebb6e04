import { afterEach, describe, expect, it, vi } from "vitest";
import { fetchWithReconnect } from "../../lib/fetch-retry.js";

/** fetch that fails the first `failures` calls with `error`, then answers 503 (an answer, not a failure). */
function flakyFetch(failures: number, error = new TypeError("Network connection lost.")) {
  const calls: number[] = [];
  vi.stubGlobal("fetch", async () => {
    calls.push(Date.now());
    if (calls.length <= failures) throw error;
    return new Response("busy", { status: 503 });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("fetchWithReconnect", () => {
  it.each([
    // failures, tries → attempts made, resolves with the answer?
    [0, 3, 1, true],
    [2, 3, 3, true],
    [3, 3, 3, false],
    [1, 1, 1, false],
  ])("%i transport failures with %i tries: %i attempts, answered %s", async (failures, tries, attempts, answered) => {
    const calls = flakyFetch(failures);
    const result = fetchWithReconnect("http://127.0.0.1:9/x", {}, { tries });
    if (answered) expect((await result).status).toBe(503);
    else await expect(result).rejects.toThrow("Network connection lost.");
    expect(calls).toHaveLength(attempts);
  });

  it("does not retry a failure that retryIf refuses", async () => {
    const calls = flakyFetch(1, new TypeError("fetch failed"));
    await expect(fetchWithReconnect("http://127.0.0.1:9/x", {}, { tries: 3, retryIf: (e) => /connection lost/.test(String(e)) })).rejects.toThrow("fetch failed");
    expect(calls).toHaveLength(1);
  });

  it("waits n × delayMs before retry n", async () => {
    const calls = flakyFetch(2);
    await fetchWithReconnect("http://127.0.0.1:9/x", {}, { tries: 3, delayMs: 40 });
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(35);
    expect(calls[2]! - calls[1]!).toBeGreaterThanOrEqual(75);
  });
});
