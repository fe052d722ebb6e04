/**
 * End to end on the real local stack: a coordinator runtime (Worker, Sweep Durable Object, R2)
 * and two trainer runtimes, driven over HTTP exactly as a client would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SweepView, TrainingView } from "../../coordinator/src/sweep-view.js";
import { learningRateAt } from "../../core/schedule.js";
import { prepareDataset } from "../../core/series.js";
import { signWebhook, sweepClient } from "../../scripts/client.js";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { smallRequest as request, sp500Head } from "../support/sweeps.js";

const values = sp500Head(300);

let stack: LocalStack;
let client: ReturnType<typeof sweepClient>;
let view: SweepView;

beforeAll(async () => {
  stack = await startLocalStack({ trainers: 2, port: 0 });
  client = sweepClient({ url: stack.url, webhookSecret: stack.secrets.WEBHOOK_SECRET, apiToken: stack.secrets.API_TOKEN });
  const accepted = await client.submit(request);
  view = await client.waitForFinish(accepted.id, { intervalMs: 250, timeoutMs: 240_000 });
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

const trainings = (v: SweepView): TrainingView[] => v.rounds.flatMap((r) => r.trainings);

describe("a two-round sweep on 300 S&P 500 closes", () => {
  it("finishes with both rounds and full progress", () => {
    expect(view.status).toBe("succeeded");
    expect(view.rounds.map((r) => [r.round, r.kind, r.trainings.length])).toEqual([
      [1, "grid", 3],
      [2, "follow-up", 6],
    ]);
    const totalEpochs = trainings(view).reduce((n, t) => n + t.history.epoch.length, 0);
    expect(view.progress).toEqual({
      trainingsDone: 9,
      trainingsTotal: 9,
      epochsDone: totalEpochs,
      epochsTotal: totalEpochs,
      slicesInFlight: 0,
      slicesQueued: 0,
    });
    // 3 epochs in slices of at most 2: two slices per training that ran all its epochs.
    expect(view.cost.slices).toBe(trainings(view).reduce((n, t) => n + t.slices, 0));
    expect(view.cost.cpuMs).toBeGreaterThan(0);
    expect(view.cost.estimatedUsd).toBeCloseTo((view.cost.cpuMs / 1e6) * 0.02, 12);
  });

  it("marks the diverging rate diverged and trains the others for every epoch", () => {
    const [slow, good, wild] = view.rounds[0]!.trainings;
    expect(wild).toMatchObject({ learningRate: 10, status: "diverged", divergedAtEpoch: 1 });
    expect(wild!.history.epoch).toEqual([1]);
    for (const t of [slow!, good!]) {
      expect(t.status).toBe("succeeded");
      expect(t.history.epoch).toEqual([1, 2, 3]);
      expect(t.history.loss.every((l) => typeof l === "number" && l > 0)).toBe(true);
      expect(t.bestValLoss).toBe(Math.min(...(t.history.valLoss as number[])));
      expect(t.history.valLoss[t.bestEpoch! - 1]).toBe(t.bestValLoss);
    }
  });

  it("runs anneal, cyclical and control follow-ups from the top two, warm-started", () => {
    const followUps = view.rounds[1]!.trainings;
    const ranked = view.rounds[0]!.trainings.filter((t) => t.status === "succeeded").sort((a, b) => a.bestValLoss! - b.bestValLoss!);
    expect(followUps.map((t) => [t.parentId, t.role])).toEqual([
      [ranked[0]!.id, "anneal"],
      [ranked[0]!.id, "cyclical"],
      [ranked[0]!.id, "control"],
      [ranked[1]!.id, "anneal"],
      [ranked[1]!.id, "cyclical"],
      [ranked[1]!.id, "control"],
    ]);
    for (const t of followUps) expect(t.history.epoch).toEqual([1, 2, 3]);
    // Warm start: a continued training's first epoch is nowhere near a fresh model's first epoch.
    const parent = view.rounds[0]!.trainings.find((t) => t.id === followUps[2]!.parentId)!;
    expect(followUps[2]!.history.loss[0]!).toBeLessThan(parent.history.loss[0]!);
  });

  it("reports learning-rate histories that follow each training's schedule", () => {
    const steps = view.dataset.stepsPerEpoch;
    expect(steps).toBe(8); // 292 windows, 58 validation, 234 training / batch 32
    for (const t of trainings(view)) {
      expect(t.history.learningRate).toEqual(t.history.epoch.map((e) => learningRateAt(t.schedule, (e - 1) * steps)));
    }
    const cosine = view.rounds[1]!.trainings[0]!;
    expect(cosine.schedule).toMatchObject({ kind: "cosine", maxLr: cosine.learningRate, minLr: cosine.learningRate / 100 });
    expect(cosine.history.learningRate[2]!).toBeLessThan(cosine.history.learningRate[0]!);
  });

  it("recommends the argmin of the reported validation losses, never a diverged training", () => {
    const eligible = trainings(view).filter((t) => t.status === "succeeded");
    const argmin = eligible.reduce((a, b) => (b.bestValLoss! < a.bestValLoss! ? b : a));
    expect(view.best).toEqual({
      trainingId: argmin.id,
      learningRate: argmin.learningRate,
      schedule: argmin.schedule,
      valLoss: argmin.bestValLoss,
      epoch: argmin.bestEpoch,
    });
    const allLosses = eligible.flatMap((t) => t.history.valLoss as number[]);
    expect(view.best!.valLoss).toBe(Math.min(...allLosses));
  });

  it("trains on the WASM SIMD backend inside workerd (the default when it loads)", () => {
    expect(new Set(trainings(view).map((t) => t.backend))).toEqual(new Set(["wasm"]));
  });

  it("reports the last-value baseline on the same scaled split", () => {
    const local = prepareDataset(values, { lookback: 8, validationFraction: 0.2 });
    expect(view.baseline).toEqual({ kind: "last-value", valLoss: local.baselineValLoss });
  });

  it("reproduces identical histories for the same request and seed", async () => {
    const again = await client.waitForFinish((await client.submit(request)).id, { intervalMs: 250, timeoutMs: 240_000 });
    expect(again.id).not.toBe(view.id);
    expect(trainings(again).map((t) => t.history)).toEqual(trainings(view).map((t) => t.history));
  });
});

describe("API errors", () => {
  const post = (body: string, headers: Record<string, string>) => fetch(`${stack.url}/webhooks/sweeps`, { method: "POST", headers, body });
  const auth = () => ({ authorization: `Bearer ${stack.secrets.API_TOKEN}` });

  it("rejects an unsigned webhook with 401", async () => {
    const res = await post("{}", { "content-type": "application/json" });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { code: "invalid_signature", message: "missing webhook headers: webhook-id, webhook-timestamp, webhook-signature" },
    });
  });

  it("rejects a body that differs from the signed one with 401", async () => {
    const headers = signWebhook(stack.secrets.WEBHOOK_SECRET, '{"seed":1}');
    const res = await post('{"seed": 1}', headers);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_signature");
  });

  it("answers 400 for a signed body that is not JSON", async () => {
    const res = await post("not json", signWebhook(stack.secrets.WEBHOOK_SECRET, "not json"));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
  });

  it("answers 422 naming each invalid field", async () => {
    const body = JSON.stringify({ model: { units: 0 }, rates: [-1], followUp: { strategy: "sometimes" }, extra: true });
    const res = await post(body, signWebhook(stack.secrets.WEBHOOK_SECRET, body));
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { code: string; details: Array<{ path: string; code: string }> } };
    expect(error.details.map((d) => [d.path, d.code]).sort()).toEqual([
      ["(body)", "unknown_field"],
      ["followUp.strategy", "invalid_request"],
      ["model.units", "invalid_request"],
      ["rates.0", "invalid_request"],
    ]);
    expect(error.code).toBe(error.details[0]!.code);
  });

  it("answers 422 naming the series problem", async () => {
    const body = JSON.stringify({ series: { csv: "date,close\n2020-01-01,1\n2020-01-02,abc\n", column: "close" } });
    const res = await post(body, signWebhook(stack.secrets.WEBHOOK_SECRET, body));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: {
        code: "csv_invalid_value",
        message: 'series.csv: line 3, column "close": "abc" is not a finite number',
        details: [{ path: "series.csv", code: "csv_invalid_value", message: 'series.csv: line 3, column "close": "abc" is not a finite number' }],
      },
    });
  });

  it("accepts with 202, a Location header and a self link", async () => {
    const body = JSON.stringify({ ...request, rates: [0.01], followUp: { strategy: "none" } });
    const res = await post(body, signWebhook(stack.secrets.WEBHOOK_SECRET, body));
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { id: string; status: string; links: { self: string } };
    expect(accepted.id).toMatch(/^sw_[0-9a-f]{32}$/);
    expect(accepted.status).toBe("queued");
    expect(accepted.links.self).toBe(`/sweeps/${accepted.id}`);
    expect(res.headers.get("location")).toBe(accepted.links.self);
    const done = await client.waitForFinish(accepted.id, { intervalMs: 250 });
    expect(done.rounds).toHaveLength(1);
  });

  it("answers a redelivery (same webhook-id) with 200 and the same sweep, starting no new work", async () => {
    const body = JSON.stringify({ ...request, rates: [0.01], followUp: { strategy: "none" } });
    const headers = signWebhook(stack.secrets.WEBHOOK_SECRET, body, `msg_redelivery_${Date.now()}`);
    const first = await post(body, headers);
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    const again = await post(body, headers);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(id);
    const done = await client.waitForFinish(id, { intervalMs: 250 });
    expect(done.rounds[0]!.trainings).toHaveLength(1);
    expect(done.rounds[0]!.trainings[0]!.slices).toBe(2); // 3 epochs in slices of 2: run once, not twice
  });

  it.each([["toString"], ["__proto__"], ["nasdaq"]])("answers 422 for the unknown built-in dataset %s", async (name) => {
    const body = JSON.stringify({ series: { dataset: name } });
    const res = await post(body, signWebhook(stack.secrets.WEBHOOK_SECRET, body));
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as { error: { details: Array<{ path: string; message: string }> } };
    expect(error.details).toEqual([
      { path: "series.dataset", code: "unknown_dataset", message: `series.dataset: unknown built-in dataset "${name}"; available: sp500` },
    ]);
  });

  it.each([
    ["GET", "/webhooks/sweeps", "POST"],
    ["DELETE", `/sweeps/sw_${"0".repeat(32)}`, "GET"],
    ["GET", `/sweeps/sw_${"0".repeat(32)}/cancel`, "POST"],
  ])("answers 405 with an Allow header for %s %s", async (method, path, allow) => {
    const res = await fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${stack.secrets.API_TOKEN}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect(await res.json()).toEqual({
      error: { code: "method_not_allowed", message: `${method} is not served on ${path}; use ${allow}` },
    });
  });

  it("answers 400 for a blob key that is not valid percent-encoding", async () => {
    const res = await fetch(`${stack.url}/internal/blobs/%E0%A4%A`, { headers: { authorization: `Bearer ${stack.secrets.INTERNAL_TOKEN}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_key");
  });

  it("guards reads with the bearer token: 401 without, 403 with a wrong one", async () => {
    expect((await fetch(`${stack.url}/sweeps/${view.id}`)).status).toBe(401);
    expect((await fetch(`${stack.url}/sweeps/${view.id}`, { headers: { authorization: "Bearer nope" } })).status).toBe(403);
    expect((await fetch(`${stack.url}/sweeps/${view.id}`, { headers: auth() })).status).toBe(200);
  });

  it("answers 400 for a malformed sweep id and 404 for an unknown one", async () => {
    const bad = await fetch(`${stack.url}/sweeps/nope`, { headers: auth() });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_id");
    const missing = await fetch(`${stack.url}/sweeps/sw_${"0".repeat(32)}`, { headers: auth() });
    expect(missing.status).toBe(404);
  });

  it("cancels a running sweep: no further epochs, unfinished trainings cancelled", async () => {
    const accepted = await client.submit({ ...request, training: { epochs: 40, batchSize: 32 }, rates: [0.001, 0.002, 0.003, 0.004], sliceEpochs: 1 });
    await client.waitForFinish(accepted.id, { timeoutMs: 1 }).catch(() => undefined);
    let current = await client.get(accepted.id);
    while (current.progress.epochsDone === 0) {
      await new Promise((r) => setTimeout(r, 100));
      current = await client.get(accepted.id);
    }
    const cancelled = await client.cancel(accepted.id);
    expect(cancelled.status).toBe("cancelled");
    expect(trainings(cancelled).every((t) => t.status === "cancelled")).toBe(true);
    const epochsAtCancel = cancelled.progress.epochsDone;
    await new Promise((r) => setTimeout(r, 1500));
    const later = await client.get(accepted.id);
    expect(later.status).toBe("cancelled");
    expect(later.progress.epochsDone).toBe(epochsAtCancel);
    // Follow-ups that will never run are not counted: the totals are what the sweep did.
    expect(later.progress.trainingsTotal).toBe(4);
    expect(later.progress.trainingsDone).toBe(4);
    expect(later.progress.epochsTotal).toBe(epochsAtCancel);
  });
});
