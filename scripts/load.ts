/**
 * npm run load — 50 sweeps submitted at once to the local stack, and 200 concurrent pollers (each
 * polling one sweep every second) until all finish. Prints sweeps completed, requests made,
 * errors by status, and p50/p99 poll latency. Targets: every sweep completes, zero 5xx, p99 < 100 ms.
 * Traffic goes to 127.0.0.1 only and stops by itself (all finished, or the time limit).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readCsvColumn } from "../core/csv.js";
import type { SweepRequestInput } from "../core/sweep-request.js";
import { signWebhook } from "./client.js";
import { startLocalStack } from "./local-stack.js";

const { values: args } = parseArgs({
  options: {
    sweeps: { type: "string", default: "50" },
    pollers: { type: "string", default: "200" },
    trainers: { type: "string" },
    "time-limit": { type: "string", default: "600" },
  },
});
const SWEEPS = Number(args.sweeps);
const POLLERS = Number(args.pollers);
const TIME_LIMIT_MS = Number(args["time-limit"]) * 1000;
/** Each poller asks about its sweep once a second, as `npm start` and `submit --wait` do. */
const POLL_INTERVAL_MS = 1000;

const values = readCsvColumn(readFileSync(new URL("../data/sp500-2000.csv", import.meta.url), "utf8"), "close");
const stack = await startLocalStack({ port: 0, ...(args.trainers ? { trainers: Number(args.trainers) } : {}) });
const statuses: Record<string, number> = {};
const count = (key: string | number) => (statuses[key] = (statuses[key] ?? 0) + 1);
const latencies: number[] = [];
let requests = 0;
const started = Date.now();

try {
  // Each sweep trains on its own 200-point stretch of the series: small, real, and different.
  const submissions = Array.from({ length: SWEEPS }, async (_, i) => {
    const request: SweepRequestInput = {
      series: { values: values.slice(i * 90, i * 90 + 200) },
      seed: i,
      model: { lookback: 8, units: 8 },
      training: { epochs: 2, batchSize: 32 },
      rates: [0.001, 0.01],
      followUp: { strategy: "anneal", topK: 1, control: false },
      concurrency: 2,
    };
    const body = JSON.stringify(request);
    requests++;
    const res = await fetch(`${stack.url}/webhooks/sweeps`, { method: "POST", headers: signWebhook(stack.secrets.WEBHOOK_SECRET, body), body });
    count(`submit ${res.status}`);
    const payload = (await res.json()) as { id?: string };
    if (res.status !== 202 || !payload.id) throw new Error(`submission ${i} answered ${res.status}: ${JSON.stringify(payload)}`);
    return payload.id;
  });
  const ids = await Promise.all(submissions);
  const submitSeconds = (Date.now() - started) / 1000;
  const finished = new Map<string, string>();
  const auth = { authorization: `Bearer ${stack.secrets.API_TOKEN}` };

  const poller = async (n: number) => {
    await new Promise((r) => setTimeout(r, Math.random() * POLL_INTERVAL_MS));
    while (finished.size < ids.length && Date.now() - started < TIME_LIMIT_MS) {
      const id = ids[n % ids.length]!;
      const t0 = performance.now();
      try {
        const res = await fetch(`${stack.url}/sweeps/${id}`, { headers: auth });
        const view = (await res.json()) as { status?: string };
        latencies.push(performance.now() - t0);
        requests++;
        count(res.status);
        if (view.status && ["succeeded", "failed", "cancelled"].includes(view.status)) finished.set(id, view.status);
      } catch (err) {
        requests++;
        count(`network: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
  };
  await Promise.all(Array.from({ length: POLLERS }, (_, n) => poller(n)));

  latencies.sort((a, b) => a - b);
  const pct = (p: number) => +(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN).toFixed(1);
  const byOutcome = [...finished.values()].reduce<Record<string, number>>((m, s) => ((m[s] = (m[s] ?? 0) + 1), m), {});
  const fivexx = Object.entries(statuses).filter(([k]) => /(^|\s)5\d\d$/.test(k)).reduce((n, [, v]) => n + v, 0);
  const report = {
    sweepsSubmitted: ids.length,
    sweepsCompleted: finished.size,
    sweepOutcomes: byOutcome,
    submitSeconds: +submitSeconds.toFixed(1),
    wallSeconds: +((Date.now() - started) / 1000).toFixed(1),
    requests,
    responsesByStatus: statuses,
    errors5xx: fivexx,
    pollLatencyMs: { p50: pct(50), p99: pct(99), max: +(latencies.at(-1) ?? NaN).toFixed(1), samples: latencies.length },
    trainers: stack.trainerUrls.length,
  };
  console.log(JSON.stringify(report, null, 2));
  const ok = finished.size === ids.length && fivexx === 0 && report.pollLatencyMs.p99 < 100;
  console.log(ok ? "load targets met: all sweeps completed, zero 5xx, p99 < 100 ms" : "load targets NOT met");
  process.exitCode = ok ? 0 : 1;
} finally {
  await stack.stop();
}
