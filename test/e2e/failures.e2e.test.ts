/**
 * Failure handling on the real local stack: the coordinator is pointed at a trainer address where
 * nothing listens, so every dispatch fails; slices must be retried, then their trainings recorded
 * as failed with the reason, and the sweep must finish instead of hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sweepClient } from "../../scripts/client.js";
import { freePort, startLocalStack, type LocalStack } from "../../scripts/local-stack.js";

let stack: LocalStack;
let deadTrainer: string;

beforeAll(async () => {
  deadTrainer = `http://127.0.0.1:${await freePort()}`;
  stack = await startLocalStack({ trainers: 1, port: 0, vars: { TRAINER_URLS: deadTrainer, RETRY_BACKOFF_MS: "50" } });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("when no trainer can be reached", () => {
  it("retries each slice 3 times, fails its training with the reason, and fails the sweep", async () => {
    const client = sweepClient({ url: stack.url, webhookSecret: stack.secrets.WEBHOOK_SECRET, apiToken: stack.secrets.API_TOKEN });
    const values = Array.from({ length: 60 }, (_, i) => Math.sin(i / 5) + i / 30);
    const accepted = await client.submit({ series: { values }, model: { lookback: 4, units: 4 }, training: { epochs: 2 }, rates: [0.01, 0.1] });
    const view = await client.waitForFinish(accepted.id, { intervalMs: 200, timeoutMs: 60_000 });
    console.log(`injected: TRAINER_URLS=${deadTrainer} (nothing listening); sweep ended ${view.status}`);
    expect(view.status).toBe("failed");
    expect(view.error).toBe("no training succeeded: every candidate diverged, failed or was cancelled");
    expect(view.best).toBeNull();
    const trainings = view.rounds.flatMap((r) => r.trainings);
    expect(view.rounds).toHaveLength(1);
    for (const t of trainings) {
      expect(t.status).toBe("failed");
      expect(t.error).toMatch(/^slice epochs from 1 failed 3 times; last error: .+/);
      expect(t.history.epoch).toEqual([]);
    }
    expect(view.progress).toEqual({ trainingsDone: 2, trainingsTotal: 2, epochsDone: 0, epochsTotal: 0, slicesInFlight: 0, slicesQueued: 0 });
  });
});
