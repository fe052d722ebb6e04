import { readFileSync } from "node:fs";
import type { SweepView, TrainingView } from "../../coordinator/src/sweep-view.js";
import { readCsvColumn } from "../../core/csv.js";
import type { SweepRequestInput } from "../../core/sweep-request.js";
import { sweepClient } from "../../scripts/client.js";
import type { LocalStack } from "../../scripts/local-stack.js";

export const sp500Head = (n: number) => readCsvColumn(readFileSync("data/sp500-2000.csv", "utf8"), "close").slice(0, n);

/** A small real sweep: 300 S&P 500 closes, lookback 8, 8 units, 3 epochs, 3 rates (one diverges), both follow-ups. */
export const smallRequest: SweepRequestInput = {
  series: { values: sp500Head(300) },
  seed: 3,
  model: { lookback: 8, units: 8 },
  training: { epochs: 3, batchSize: 32 },
  rates: [0.001, 0.01, 10],
  sliceEpochs: 2,
  concurrency: 2,
};

export const clientFor = (stack: LocalStack) =>
  sweepClient({ url: stack.url, webhookSecret: stack.secrets.WEBHOOK_SECRET, apiToken: stack.secrets.API_TOKEN });

export const trainingsOf = (v: SweepView): TrainingView[] => v.rounds.flatMap((r) => r.trainings);

/** What must be identical between two runs of the same request: per training, its id, status and history. */
export const histories = (v: SweepView) => trainingsOf(v).map((t) => ({ id: t.id, status: t.status, history: t.history }));

/** Runs a sweep to its end; `maxInFlight` is the most slices in flight seen by any poll. */
export async function runSweep(
  stack: LocalStack,
  request: SweepRequestInput = smallRequest,
  timeoutMs = 180_000,
): Promise<SweepView & { maxInFlight: number }> {
  const client = clientFor(stack);
  const accepted = await client.submit(request);
  let maxInFlight = 0;
  const view = await client.waitForFinish(accepted.id, {
    intervalMs: 100,
    timeoutMs,
    onProgress: (v) => (maxInFlight = Math.max(maxInFlight, v.progress.slicesInFlight)),
  });
  return { ...view, maxInFlight };
}
