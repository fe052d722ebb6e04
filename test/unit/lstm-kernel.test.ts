import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileKernel, KERNEL_WASM } from "../../scripts/build-kernels.js";
import type { ModelOptions } from "../../core/contract.js";
import { prepareDataset } from "../../core/series.js";
import { checkpointWeights } from "../../worker/src/checkpoint.js";
import { buildNetwork } from "../../worker/src/model.js";
import { tf, tfReady } from "../../worker/src/tf.js";
import { trainSlice } from "../../worker/src/train.js";
import { sp500Head } from "../support/sweeps.js";

/** Largest |a - b| relative to the largest |b| (so tiny reference entries do not dominate). */
function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / (scale || 1);
}

describe("fused LSTM kernel against tf.layers.lstm", () => {
  it.each([
    [{ lookback: 5, units: 8, layers: 1, dropout: 0 }, 7],
    [{ lookback: 4, units: 6, layers: 2, dropout: 0 }, 3],
    [{ lookback: 30, units: 32, layers: 1, dropout: 0 }, 64],
    [{ lookback: 12, units: 5, layers: 3, dropout: 0 }, 9],
    [{ lookback: 1, units: 1, layers: 1, dropout: 0 }, 1],
    [{ lookback: 3, units: 3, layers: 4, dropout: 0 }, 2],
    [{ lookback: 7, units: 40, layers: 2, dropout: 0.3 }, 17],
  ] as Array<[ModelOptions, number]>)("gives the same loss and gradients for %o, batch %i", async (model, batch) => {
    await tfReady();
    const before = tf.memory().numTensors;
    const fused = buildNetwork(model, 3, "fused");
    const stock = buildNetwork(model, 3, "layers");
    const x = tf.randomUniform([batch, model.lookback, 1], -1, 2, "float32", 5) as tf.Tensor3D;
    const y = tf.randomUniform([batch, 1], 0, 1, "float32", 6);
    const loss = (n: typeof fused) => () => tf.losses.meanSquaredError(y, n.predict(x)) as tf.Scalar;
    const a = tf.variableGrads(loss(fused), fused.variables);
    const b = tf.variableGrads(loss(stock), stock.variables);
    expect(relativeDiff(a.value.dataSync(), b.value.dataSync())).toBeLessThan(1e-4);
    fused.variables.forEach((v, i) => {
      expect(relativeDiff(a.grads[v.name]!.dataSync(), b.grads[stock.variables[i]!.name]!.dataSync())).toBeLessThan(1e-4);
    });
    tf.dispose([x, y, a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads)]);
    fused.dispose();
    stock.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    [{ lookback: 6, units: 8, layers: 1, dropout: 0 }, 300],
    [{ lookback: 5, units: 6, layers: 3, dropout: 0 }, 70],
  ] as Array<[ModelOptions, number]>)("predicts like tf.layers outside a gradient tape (evaluation keeps fewer states) for %o, batch %i", async (model, batch) => {
    await tfReady();
    const fused = buildNetwork(model, 8, "fused");
    const stock = buildNetwork(model, 8, "layers");
    const x = tf.randomUniform([batch, model.lookback, 1], -1, 2, "float32", 9) as tf.Tensor3D;
    const [a, b] = [fused.predict(x), stock.predict(x)];
    expect(relativeDiff(a.dataSync(), b.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    fused.dispose();
    stock.dispose();
  });

  it("trains to the same losses and weights over 3 epochs (Adam, batch 32)", async () => {
    const dataset = prepareDataset(sp500Head(300), { lookback: 8, validationFraction: 0.2 });
    const options = {
      dataset,
      model: { lookback: 8, units: 8, layers: 1, dropout: 0 },
      training: { optimizer: "adam" as const, batchSize: 32, seed: 4, divergenceFactor: 4 },
      schedule: { kind: "constant" as const, lr: 0.01 },
      epochs: { from: 1, to: 3 },
    };
    const fused = await trainSlice({ ...options, implementation: "fused" });
    const stock = await trainSlice({ ...options, implementation: "layers" });
    expect(relativeDiff(fused.points.map((p) => p.loss!), stock.points.map((p) => p.loss!))).toBeLessThan(1e-4);
    expect(relativeDiff(fused.points.map((p) => p.valLoss!), stock.points.map((p) => p.valLoss!))).toBeLessThan(1e-4);
    const wf = checkpointWeights(fused.checkpoint!);
    const ws = checkpointWeights(stock.checkpoint!);
    wf.forEach((w, i) => expect(relativeDiff(w, ws[i]!)).toBeLessThan(1e-4));
  });
});

describe("the committed lstm.wasm", () => {
  it("is what worker/kernels/lstm.ts compiles to (run npm run build:kernels after editing the kernel)", () => {
    const dir = mkdtempSync(join(tmpdir(), "lstm-kernel-"));
    try {
      compileKernel(join(dir, "lstm.wasm"));
      expect(Buffer.compare(readFileSync(join(dir, "lstm.wasm")), readFileSync(KERNEL_WASM))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
