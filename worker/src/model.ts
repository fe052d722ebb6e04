/**
 * The forecasting network: stacked LSTM layers, then one dense unit. Weights are initialised from
 * the training's seed (Keras defaults: Glorot-uniform kernels, orthogonal recurrent kernels, unit
 * forget bias), and dropout on each LSTM layer's output uses per-step seeds, so a run can be
 * replayed or resumed exactly.
 */
import type { ModelOptions } from "../../core/contract.js";
import { deriveSeed } from "../../core/random.js";
import { lstmLayer } from "./lstm-kernel.js";
import { orthogonal } from "./orthogonal.js";
import { tf } from "./tf.js";

/**
 * `fused` (default) runs each LSTM layer as one custom op with a hand-written backward pass, in
 * a WebAssembly SIMD kernel (lstm-kernel.ts); `layers` runs tfjs-layers' stock LSTM, the
 * reference the fused op is tested against. Both use the same weights, created by the stock
 * layers (the recurrent kernel then set by orthogonal.ts).
 */
export type LstmImplementation = "fused" | "layers";

interface LstmCellWeights {
  cell: { kernel: { read(): tf.Tensor }; recurrentKernel: { read(): tf.Tensor; write(value: tf.Tensor): void }; bias: { read(): tf.Tensor } };
}

export interface Network {
  /** Trainable variables in a fixed order: checkpoints store them in this order. */
  readonly variables: tf.Variable[];
  /** `dropoutSeed` enables dropout (training); omit it for evaluation. */
  predict(x: tf.Tensor3D, dropoutSeed?: number): tf.Tensor2D;
  dispose(): void;
}

export function buildNetwork(options: ModelOptions, seed: number, implementation: LstmImplementation = "fused"): Network {
  const { lookback, units, layers: depth, dropout } = options;
  const lstms = Array.from({ length: depth }, (_, i) =>
    tf.layers.lstm({
      units,
      returnSequences: i < depth - 1,
      kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, "lstm", i, "kernel") }),
      // Zeros here, replaced below by orthogonal(): tfjs-layers' own orthogonal initializer is slow.
      recurrentInitializer: tf.initializers.zeros(),
      unitForgetBias: true,
    }),
  );
  const dense = tf.layers.dense({
    units: 1,
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, "dense", "kernel") }),
  });

  const forward = (x: tf.Tensor3D, dropoutSeed?: number): tf.Tensor2D => {
    let h: tf.Tensor = x;
    lstms.forEach((layer, i) => {
      if (implementation === "layers" || !layer.built) {
        h = layer.apply(h) as tf.Tensor;
      } else {
        const { cell } = layer as unknown as LstmCellWeights;
        h = lstmLayer(h as tf.Tensor3D, cell.kernel.read(), cell.recurrentKernel.read(), cell.bias.read(), i < depth - 1);
      }
      if (dropoutSeed !== undefined && dropout > 0) h = tf.dropout(h, dropout, undefined, deriveSeed(dropoutSeed, i));
    });
    return dense.apply(h) as tf.Tensor2D;
  };
  // Layers create their weights on first use.
  tf.tidy(() => {
    forward(tf.zeros([1, lookback, 1]));
  });
  lstms.forEach((layer, i) => {
    const { recurrentKernel } = (layer as unknown as LstmCellWeights).cell;
    const init = orthogonal([units, 4 * units], deriveSeed(seed, "lstm", i, "recurrent"));
    recurrentKernel.write(init);
    init.dispose();
  });

  const variables = [...lstms, dense].flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  return {
    variables,
    predict: forward,
    dispose() {
      for (const layer of [...lstms, dense]) layer.dispose();
    },
  };
}
