/**
 * The forecasting network: stacked LSTM layers, then one dense unit. Weights are initialised from
 * the training's seed (Keras defaults: Glorot-uniform kernels, orthogonal recurrent kernels, unit
 * forget bias), and dropout on each LSTM layer's output uses per-step seeds, so a run can be
 * replayed or resumed exactly.
 */
import type { ModelOptions } from "../../core/contract.js";
import { deriveSeed } from "../../core/random.js";
import { lstmLayer } from "./lstm-kernel.js";
import { tf } from "./tf.js";

/**
 * `fused` (default) runs each LSTM layer as one custom op with a hand-written backward pass
 * (lstm-kernel.ts); `layers` runs tfjs-layers' stock LSTM, the reference the fused op is tested
 * against. Both use the same weights, created by the stock layers.
 */
export type LstmImplementation = "fused" | "layers";

interface LstmCellWeights {
  cell: { kernel: { read(): tf.Tensor }; recurrentKernel: { read(): tf.Tensor }; bias: { read(): tf.Tensor } };
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
      recurrentInitializer: tf.initializers.orthogonal({ seed: deriveSeed(seed, "lstm", i, "recurrent"), gain: 1 }),
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
  // Layers create their weights on first use. tfjs-layers warns that the orthogonal initializer
  // is slow on matrices over 2000 entries (32 units have 4096): true but harmless at this size, and
  // printed once per slice it would flood the logs, so that one message is dropped here.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!(typeof args[0] === "string" && args[0].startsWith("Orthogonal initializer is being called"))) warn(...args);
  };
  try {
    tf.tidy(() => {
      forward(tf.zeros([1, lookback, 1]));
    });
  } finally {
    console.warn = warn;
  }

  const variables = [...lstms, dense].flatMap((layer) => layer.trainableWeights.map((w) => w.read() as tf.Variable));
  return {
    variables,
    predict: forward,
    dispose() {
      for (const layer of [...lstms, dense]) layer.dispose();
    },
  };
}
