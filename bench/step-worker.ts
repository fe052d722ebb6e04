/**
 * Benchmark Worker (not deployed): times training steps of the real trainer code on workload W1
 * inside workerd — S&P 500 closes, lookback 30, one LSTM layer of 32 units, Adam, batch 64.
 */
import { readCsvColumn } from "../core/csv.js";
import { deriveSeed, seededPermutation } from "../core/random.js";
import { prepareDataset } from "../core/series.js";
import sp500Csv from "../data/sp500-2000.csv";
import { buildNetwork } from "../worker/src/model.js";
import { createOptimizer, disposeOptimizer } from "../worker/src/optimizer.js";
import { provideLstmModule } from "../worker/src/lstm-kernel.js";
import { provideWasmModule, tf, tfReady, type BackendName } from "../worker/src/tf.js";
import { trainStep } from "../worker/src/train.js";
import { lstmModule, loadSimdModule } from "../worker/src/wasm-module.js";

provideWasmModule(loadSimdModule);
provideLstmModule(lstmModule);

export const W1 = { lookback: 30, units: 32, layers: 1, dropout: 0, batchSize: 64 };

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const steps = Number(url.searchParams.get("steps") ?? 60);
    const warmup = Number(url.searchParams.get("warmup") ?? 5);
    await tfReady((url.searchParams.get("backend") ?? "cpu") as BackendName);
    const dataset = prepareDataset(readCsvColumn(sp500Csv, "close"), { lookback: W1.lookback, validationFraction: 0.2 });
    // `layers` times tfjs-layers' stock LSTM, the baseline the kernel replaced.
    const implementation = url.searchParams.get("implementation") === "layers" ? "layers" : "fused";
    const network = buildNetwork(W1, 1, implementation);
    const optimizer = createOptimizer("adam", 1e-3);
    const order = seededPermutation(dataset.trainWindows, deriveSeed(1, "shuffle", 1));
    const batches = Math.ceil(order.length / W1.batchSize);
    // Date.now() ticks in whole milliseconds, coarse next to a ~5 ms step: steps are timed in
    // groups of GROUP and the median is taken over the groups' per-step means.
    const GROUP = 10;
    const groups: number[] = [];
    let groupStart = 0;
    for (let i = 0; i < warmup + steps; i++) {
      if (i === warmup) groupStart = Date.now();
      const b = i % batches;
      const batch = order.subarray(b * W1.batchSize, (b + 1) * W1.batchSize);
      trainStep({ network, optimizer, dataset, seed: 1 }, batch, i);
      if (i >= warmup && (i - warmup + 1) % GROUP === 0) {
        const now = Date.now();
        groups.push((now - groupStart) / GROUP);
        groupStart = now;
      }
    }
    const memory = tf.memory();
    network.dispose();
    disposeOptimizer(optimizer);
    const sorted = [...groups].sort((a, b) => a - b);
    return Response.json({
      backend: tf.getBackend(),
      steps: groups.length * GROUP,
      stepsPerEpoch: batches,
      medianMs: sorted[Math.floor(sorted.length / 2)],
      meanMs: +(groups.reduce((a, b) => a + b, 0) / groups.length).toFixed(2),
      tfBytes: memory.numBytes,
    });
  },
};
