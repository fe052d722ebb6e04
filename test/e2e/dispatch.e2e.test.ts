/**
 * Dispatch modes and faults on the real local stack. The reference is a clean pool-mode run;
 * every other run of the same request must end with identical histories, whatever was injected.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SweepView } from "../../coordinator/src/sweep-view.js";
import { freePort, startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { faultFor, parseFaults } from "../../worker/src/faults.js";
import { clientFor, histories, runSweep, smallRequest, trainingsOf } from "../support/sweeps.js";

let reference: SweepView & { maxInFlight: number };
const stacks: LocalStack[] = [];
const start = async (...args: Parameters<typeof startLocalStack>) => {
  const stack = await startLocalStack(...args);
  stacks.push(stack);
  return stack;
};

beforeAll(async () => {
  const stack = await start({ trainers: 2, port: 0 });
  reference = await runSweep(stack);
  await stack.stop();
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(stacks.map((s) => s.stop()));
});

/** Each epoch appears once, in order: nothing was recorded twice. */
function expectNoEpochTwice(view: SweepView) {
  for (const t of trainingsOf(view)) expect(t.history.epoch).toEqual(t.history.epoch.map((_, i) => i + 1));
}

/** The faults the plan injects into this sweep's slices (first deliveries), by kind. */
function injected(view: SweepView, faults: string): Record<string, number> {
  const plan = parseFaults(faults);
  const counts: Record<string, number> = { slices: 0 };
  for (const t of trainingsOf(view)) {
    for (let from = 1; from <= t.history.epoch.length; from += smallRequest.sliceEpochs!) {
      counts.slices!++;
      const slice = { sweepId: view.id, trainingId: t.id, epochs: { from, to: from }, attempt: 1 } as Parameters<typeof faultFor>[1];
      const kind = faultFor(plan, slice, 1);
      if (kind) counts[kind] = (counts[kind] ?? 0) + 1;
    }
  }
  return counts;
}

describe("queue dispatch (a real Miniflare queue, results reported to the Durable Object by RPC)", () => {
  it("gives the same histories as pool dispatch", async () => {
    const stack = await start({ dispatch: "queue", port: 0 });
    const view = await runSweep(stack);
    console.log(`queue mode: ${view.status}, ${view.cost.slices} slices; compared ${trainingsOf(view).length} histories with pool mode`);
    expect(view.status).toBe("succeeded");
    expect(histories(view)).toEqual(histories(reference));
    expect(view.best).toEqual(reference.best);
    console.log(`in flight at most ${view.maxInFlight} (concurrency ${smallRequest.concurrency}; pool run: ${reference.maxInFlight})`);
    expect(view.maxInFlight).toBeGreaterThan(0);
    expect(view.maxInFlight).toBeLessThanOrEqual(smallRequest.concurrency!);
    expect(reference.maxInFlight).toBeLessThanOrEqual(smallRequest.concurrency!);
    await stack.stop();
  }, 180_000);

  it("marks a training failed when its slice lands in the dead-letter queue", async () => {
    const faults = JSON.stringify({ seed: 1, rate: 1, kinds: ["fail"], everyDelivery: true });
    const stack = await start({ dispatch: "queue", port: 0, trainerVars: { FAULTS: faults } });
    const view = await runSweep(stack, { ...smallRequest, rates: [0.01], followUp: { strategy: "none" } });
    const [training] = trainingsOf(view);
    console.log(`dead letter: every delivery fails (${faults}); training ended ${training!.status}: ${training!.error}`);
    expect(view.status).toBe("failed");
    expect(training!.status).toBe("failed");
    expect(training!.error).toMatch(/^slice epochs from 1 failed: dead-lettered: every delivery of the slice failed/);
    await stack.stop();
  }, 180_000);

  it("survives a trainer that fails, hangs past its lease or reports twice on about a third of slices", async () => {
    const faults = JSON.stringify({ seed: 11, rate: 0.34, kinds: ["fail", "hang", "duplicate"], hangMs: 5000 });
    const stack = await start({
      dispatch: "queue",
      port: 0,
      vars: { CPU_LIMIT_MS: "4000", LEASE_MIN_MS: "2500", RETRY_BACKOFF_MS: "100" },
      trainerVars: { FAULTS: faults },
    });
    const view = await runSweep(stack);
    const counts = injected(view, faults);
    const ignored = trainingsOf(view).reduce((n, t) => n + t.ignoredResults, 0);
    console.log(`queue faults injected: ${JSON.stringify(counts)}; results ignored as duplicate or late: ${ignored}`);
    console.log("checked: same histories as the clean pool run, every epoch recorded once");
    expect(counts.fail).toBeGreaterThan(0);
    expect(counts.hang).toBeGreaterThan(0);
    expect(counts.duplicate).toBeGreaterThan(0);
    expect(view.status).toBe("succeeded");
    expect(histories(view)).toEqual(histories(reference));
    expectNoEpochTwice(view);
    expect(ignored).toBeGreaterThanOrEqual(counts.duplicate!);
    await stack.stop();
  }, 180_000);
});

describe("pool dispatch faults", () => {
  it("survives trainers that fail or hang past their lease on about a third of slices", async () => {
    const faults = JSON.stringify({ seed: 8, rate: 0.34, kinds: ["fail", "hang"], hangMs: 5000 });
    const stack = await start({
      trainers: 2,
      port: 0,
      vars: { CPU_LIMIT_MS: "4000", LEASE_MIN_MS: "2500", RETRY_BACKOFF_MS: "100" },
      trainerVars: { FAULTS: faults },
    });
    const view = await runSweep(stack);
    const counts = injected(view, faults);
    console.log(`pool faults injected: ${JSON.stringify(counts)}; checked: same histories as the clean run, every epoch once`);
    expect(counts.fail).toBeGreaterThan(0);
    expect(counts.hang).toBeGreaterThan(0);
    expect(view.status).toBe("succeeded");
    expect(histories(view)).toEqual(histories(reference));
    expectNoEpochTwice(view);
    await stack.stop();
  }, 180_000);
});

describe("coordinator restart", () => {
  it("resumes a sweep from persisted state after the local stack is stopped mid-sweep", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lr-sweep-restart-"));
    const port = await freePort();
    try {
      const first = await start({ trainers: 2, port, persistTo: dir });
      const client = clientFor(first);
      const { id } = await client.submit(smallRequest);
      let before = await client.get(id);
      while (before.progress.epochsDone < 6) {
        await new Promise((r) => setTimeout(r, 50));
        before = await client.get(id);
      }
      await first.stop();
      console.log(`restart: stopped the stack at ${before.progress.epochsDone}/${before.progress.epochsTotal} epochs (${before.status})`);
      const second = await start({ trainers: 2, port, persistTo: dir });
      const view = await clientFor(second).waitForFinish(id, { intervalMs: 250, timeoutMs: 180_000 });
      console.log(`restart: resumed and ${view.status}; checked: same histories as an uninterrupted run, every epoch once`);
      expect(before.status).toBe("running");
      expect(view.status).toBe("succeeded");
      expect(histories(view)).toEqual(histories(reference));
      expectNoEpochTwice(view);
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
