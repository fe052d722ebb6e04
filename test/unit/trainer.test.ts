import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ModelOptions, TrainingOptions } from "../../core/contract.js";
import { readCsvColumn } from "../../core/csv.js";
import type { Schedule } from "../../core/schedule.js";
import { prepareDataset } from "../../core/series.js";
import { OPTIMIZERS } from "../../core/vocabulary.js";
import { checkpointWeights } from "../../worker/src/checkpoint.js";
import { tf, tfReady } from "../../worker/src/tf.js";
import { trainSlice, type TrainSliceOptions } from "../../worker/src/train.js";

const sp500 = readCsvColumn(readFileSync("data/sp500-2000.csv", "utf8"), "close");
const dataset = prepareDataset(sp500.slice(0, 300), { lookback: 8, validationFraction: 0.2 });
const model: ModelOptions = { lookback: 8, units: 8, layers: 1, dropout: 0 };
const training: TrainingOptions = { optimizer: "adam", batchSize: 32, seed: 7, divergenceFactor: 4 };
const base = { dataset, model, training, schedule: { kind: "constant", lr: 0.01 } as Schedule };

const run = (overrides: Partial<TrainSliceOptions> & Pick<TrainSliceOptions, "epochs">) => trainSlice({ ...base, ...overrides });

describe("trainSlice", () => {
  it("resumed from a checkpoint, 4 + 6 epochs equal 10 uninterrupted epochs to the last bit", async () => {
    const schedule: Schedule = { kind: "triangular", baseLr: 0.002, maxLr: 0.02, stepSize: 14 };
    const whole = await run({ schedule, epochs: { from: 1, to: 10 } });
    const first = await run({ schedule, epochs: { from: 1, to: 4 } });
    const rest = await run({ schedule, epochs: { from: 5, to: 10 }, checkpoint: first.checkpoint! });
    expect(whole.points).toHaveLength(10);
    expect([...first.points, ...rest.points]).toEqual(whole.points);
    expect(Buffer.from(rest.checkpoint!).equals(Buffer.from(whole.checkpoint!))).toBe(true);
  });

  it("resumes bit-exactly with dropout and two layers too", async () => {
    const deep = { ...model, layers: 2, dropout: 0.2 };
    const whole = await run({ model: deep, epochs: { from: 1, to: 3 } });
    const first = await run({ model: deep, epochs: { from: 1, to: 1 } });
    const rest = await run({ model: deep, epochs: { from: 2, to: 3 }, checkpoint: first.checkpoint! });
    expect([...first.points, ...rest.points]).toEqual(whole.points);
  });

  it("is reproducible: same request, same numbers; another seed, other numbers", async () => {
    const a = await run({ epochs: { from: 1, to: 3 } });
    const b = await run({ epochs: { from: 1, to: 3 } });
    const c = await run({ training: { ...training, seed: 8 }, epochs: { from: 1, to: 3 } });
    expect(b.points).toEqual(a.points);
    expect(c.points[0]!.loss).not.toBe(a.points[0]!.loss);
  });

  it("reports per-epoch points with the rate of each epoch's first step", async () => {
    const schedule: Schedule = { kind: "exponential", lr: 0.01, gamma: 0.99 };
    const out = await run({ schedule, epochs: { from: 1, to: 3 } });
    expect(out.stepsPerEpoch).toBe(8); // 292 windows, 58 for validation, 234 / 32 -> 8 batches
    expect(out.points.map((p) => p.epoch)).toEqual([1, 2, 3]);
    expect(out.points.map((p) => p.learningRate)).toEqual([0.01, 0.01 * 0.99 ** 8, 0.01 * 0.99 ** 16]);
    for (const p of out.points) {
      expect(p.loss).toBeGreaterThan(0);
      expect(p.valLoss).toBeGreaterThan(0);
    }
  });

  it("returns tensor memory to its baseline after each slice", async () => {
    await tfReady();
    const before = tf.memory().numTensors;
    const first = await run({ epochs: { from: 1, to: 2 } });
    expect(tf.memory().numTensors).toBe(before);
    await run({ training: { ...training, optimizer: "momentum" }, epochs: { from: 1, to: 1 } });
    await run({ epochs: { from: 3, to: 3 }, checkpoint: first.checkpoint! });
    await run({ schedule: { kind: "constant", lr: 10 }, epochs: { from: 1, to: 2 } }); // diverges
    expect(tf.memory().numTensors).toBe(before);
  });

  it("marks a training diverged when its loss is far above the untrained model's", async () => {
    const out = await run({ schedule: { kind: "constant", lr: 10 }, epochs: { from: 1, to: 3 } });
    expect(out.outcome).toBe("diverged");
    expect(out.divergedAtEpoch).toBe(1);
    expect(out.points).toHaveLength(1);
    expect(out.checkpoint).toBeUndefined();
  });

  it("marks a training diverged at the first non-finite loss", async () => {
    const out = await run({ training: { ...training, optimizer: "sgd" }, schedule: { kind: "constant", lr: 1e20 }, epochs: { from: 1, to: 3 } });
    expect(out).toMatchObject({ outcome: "diverged", divergedAtEpoch: 1 });
    expect(out.points[0]).toMatchObject({ epoch: 1, loss: null, valLoss: null });
  });

  it("refuses to resume without a checkpoint", async () => {
    await expect(run({ epochs: { from: 3, to: 4 } })).rejects.toThrow("resuming at epoch 3 needs a checkpoint");
  });
});

describe("the optimizer really uses the scheduled rate", () => {
  // One full batch per epoch, so epoch n is step n-1. Run A keeps rate a; run B's step schedule
  // drops to a/4 at step 1. Both are in the same state after step 0, and every optimizer's update
  // is linear in the rate, so B's second weight update must be exactly 1/4 of A's.
  const fullBatch = { ...training, batchSize: dataset.trainWindows };
  const a = 0.01;

  it.each(OPTIMIZERS)("%s", async (optimizer) => {
    const opts = { training: { ...fullBatch, optimizer } };
    const stepA = await run({ ...opts, schedule: { kind: "constant", lr: a }, epochs: { from: 1, to: 1 } });
    const stepB: Schedule = { kind: "step", lr: a, gamma: 0.25, stepSize: 1 };
    const afterA = await run({ ...opts, schedule: { kind: "constant", lr: a }, epochs: { from: 2, to: 2 }, checkpoint: stepA.checkpoint! });
    const afterB = await run({ ...opts, schedule: stepB, epochs: { from: 2, to: 2 }, checkpoint: stepA.checkpoint! });
    expect(afterB.points[0]!.learningRate).toBe(a / 4);
    const w0 = checkpointWeights(stepA.checkpoint!).flatMap((w) => Array.from(w));
    const wA = checkpointWeights(afterA.checkpoint!).flatMap((w) => Array.from(w));
    const wB = checkpointWeights(afterB.checkpoint!).flatMap((w) => Array.from(w));
    const ratios = w0
      .map((w, i) => ({ dA: wA[i]! - w, dB: wB[i]! - w }))
      .filter(({ dA }) => Math.abs(dA) > 1e-5)
      .map(({ dA, dB }) => dB / dA);
    expect(ratios.length).toBeGreaterThan(50);
    ratios.sort((x, y) => x - y);
    const median = ratios[Math.floor(ratios.length / 2)]!;
    expect(median).toBeCloseTo(0.25, 3);
  });
});
