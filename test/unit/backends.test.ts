import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { prepareDataset } from "../../core/series.js";
import { provideWasmModule, tf } from "../../worker/src/tf.js";
import { trainSlice } from "../../worker/src/train.js";
import { sp500Head } from "../support/sweeps.js";

// Node may compile from bytes; the Worker imports the same file as a precompiled module.
const wasmFile = createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm");
provideWasmModule(() => WebAssembly.compile(readFileSync(wasmFile)));

describe("tfjs backends", () => {
  const options = {
    dataset: prepareDataset(sp500Head(200), { lookback: 6, validationFraction: 0.2 }),
    model: { lookback: 6, units: 6, layers: 1, dropout: 0 },
    schedule: { kind: "constant" as const, lr: 0.01 },
    epochs: { from: 1, to: 3 },
  };
  const training = { optimizer: "adam" as const, batchSize: 32, seed: 2, divergenceFactor: 4 };

  it("trains the same tiny model to the same losses on WASM SIMD and on CPU (1e-4 relative)", async () => {
    const wasm = await trainSlice({ ...options, training: { ...training, backend: "wasm" } });
    expect(wasm.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    const cpu = await trainSlice({ ...options, training: { ...training, backend: "cpu" } });
    expect(cpu.backend).toBe("cpu");
    wasm.points.forEach((p, i) => {
      expect(Math.abs(p.loss! - cpu.points[i]!.loss!) / cpu.points[i]!.loss!).toBeLessThan(1e-4);
      expect(Math.abs(p.valLoss! - cpu.points[i]!.valLoss!) / cpu.points[i]!.valLoss!).toBeLessThan(1e-4);
    });
  });

  it("auto picks WASM when its module loads", async () => {
    const out = await trainSlice({ ...options, epochs: { from: 1, to: 1 }, training: { ...training, backend: "auto" } });
    expect(out.backend).toBe("wasm");
  });
});
