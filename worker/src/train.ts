/**
 * Trains one slice (a few epochs) of one training: builds the network, restores the checkpoint
 * when resuming, runs the epochs with the schedule applied per batch, and returns the per-epoch
 * points plus the new state. Platform-free: the Worker wraps it with storage and HTTP.
 */
import type { EpochPoint, ModelOptions, TrainingOptions } from "../../core/contract.js";
import { deriveSeed, seededPermutation } from "../../core/random.js";
import { learningRateAt, type Schedule } from "../../core/schedule.js";
import { gatherWindows, stepsPerEpoch as countSteps, type PreparedDataset } from "../../core/series.js";
import { restoreCheckpoint, saveCheckpoint } from "./checkpoint.js";
import { buildNetwork, type LstmImplementation, type Network } from "./model.js";
import { createOptimizer, disposeOptimizer, setLearningRate } from "./optimizer.js";
import { tf, tfReady, type BackendName } from "./tf.js";

export interface TrainSliceOptions {
  dataset: PreparedDataset;
  model: ModelOptions;
  training: TrainingOptions;
  schedule: Schedule;
  epochs: { from: number; to: number };
  /** State after epoch `epochs.from - 1` (required when from > 1, or to warm-start). */
  checkpoint?: Uint8Array;
  /**
   * Stop after the epoch that leaves too little of this many milliseconds for another one (the
   * caller resumes from the checkpoint), so a slice never runs into the platform's CPU limit.
   */
  budgetMs?: number;
  /** The LSTM implementation (tests compare the two); default fused. */
  implementation?: LstmImplementation;
}

export interface TrainSliceOutput {
  /** The epochs actually run: fewer than asked when the budget ran out or the training diverged. */
  epochs: { from: number; to: number };
  points: EpochPoint[];
  outcome: "continue" | "diverged";
  divergedAtEpoch?: number;
  /** State after the last epoch run; absent when the training diverged. */
  checkpoint?: Uint8Array;
  stepsPerEpoch: number;
  backend: BackendName;
}

/**
 * Windows per evaluation forward pass: at most 256, and at most 4 × the batch, so that evaluating
 * never needs more memory than a training step (core/sweep-request.ts bounds that).
 */
const evalChunk = (batchSize: number) => Math.min(256, 4 * batchSize);

export async function trainSlice(options: TrainSliceOptions): Promise<TrainSliceOutput> {
  const backend = await tfReady(options.training.backend ?? "auto");
  const { dataset, model, training, schedule, epochs } = options;
  if (model.lookback !== dataset.lookback) {
    throw new Error(`model.lookback ${model.lookback} does not match the dataset's lookback ${dataset.lookback}`);
  }
  if (epochs.from > 1 && !options.checkpoint) throw new Error(`resuming at epoch ${epochs.from} needs a checkpoint`);
  const network = buildNetwork(model, training.seed, options.implementation);
  const optimizer = createOptimizer(training.optimizer, learningRateAt(schedule, 0));
  try {
    // The untrained model's loss is the first reference: a rate that makes epoch 1 far worse
    // than doing nothing has diverged, even though no earlier epoch exists to compare with.
    let minLoss = options.checkpoint
      ? (await restoreCheckpoint(options.checkpoint, network, optimizer)).minLoss
      : meanSquaredError(network, dataset, 0, dataset.trainWindows, evalChunk(training.batchSize));
    const steps = countSteps(dataset, training.batchSize);
    const points: EpochPoint[] = [];
    const started = Date.now();
    let lastEpoch = epochs.from - 1;
    // A warm-started training starts its own schedule at step 0 whatever epoch its parent reached.
    for (let epoch = epochs.from; epoch <= epochs.to; epoch++) {
      if (epoch > epochs.from && options.budgetMs !== undefined) {
        const perEpoch = (Date.now() - started) / (epoch - epochs.from);
        if (Date.now() - started + perEpoch > options.budgetMs) break;
      }
      const firstStep = (epoch - 1) * steps;
      const loss = runEpoch({ network, optimizer, dataset, training, schedule, epoch, firstStep });
      const valLoss = loss === null ? null : meanSquaredError(network, dataset, dataset.trainWindows, dataset.valWindows, evalChunk(training.batchSize));
      points.push({ epoch, loss, valLoss, learningRate: learningRateAt(schedule, firstStep) });
      const diverged =
        loss === null || valLoss === null || (minLoss !== null && loss > training.divergenceFactor * minLoss);
      lastEpoch = epoch;
      if (diverged) {
        return { epochs: { from: epochs.from, to: epoch }, points, outcome: "diverged", divergedAtEpoch: epoch, stepsPerEpoch: steps, backend };
      }
      minLoss = minLoss === null ? loss : Math.min(minLoss, loss);
      // Deployed Workers advance Date.now() only when control returns to the event loop; yielding
      // once per epoch keeps the budget check above honest there.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const checkpoint = await saveCheckpoint(network, optimizer, { epoch: lastEpoch, minLoss });
    return { epochs: { from: epochs.from, to: lastEpoch }, points, outcome: "continue", checkpoint, stepsPerEpoch: steps, backend };
  } finally {
    network.dispose();
    disposeOptimizer(optimizer);
  }
}

interface EpochContext {
  network: Network;
  optimizer: tf.Optimizer;
  dataset: PreparedDataset;
  training: TrainingOptions;
  schedule: Schedule;
  epoch: number;
  firstStep: number;
}

/** One pass over the shuffled training windows; the mean batch loss, or null once it is not finite. */
function runEpoch(ctx: EpochContext): number | null {
  const { network, optimizer, dataset, training, schedule, epoch, firstStep } = ctx;
  const order = seededPermutation(dataset.trainWindows, deriveSeed(training.seed, "shuffle", epoch));
  let weighted = 0;
  for (let start = 0, step = firstStep; start < order.length; start += training.batchSize, step++) {
    const batch = order.subarray(start, start + training.batchSize);
    setLearningRate(optimizer, learningRateAt(schedule, step));
    const batchLoss = trainStep({ network, optimizer, dataset, seed: training.seed }, batch, step);
    if (!Number.isFinite(batchLoss)) return null;
    weighted += batchLoss * batch.length;
  }
  return weighted / order.length;
}

/** One optimizer step on the given training windows; returns the batch loss. Exported for the benchmark. */
export function trainStep(
  ctx: { network: Network; optimizer: tf.Optimizer; dataset: PreparedDataset; seed: number },
  batch: ArrayLike<number>,
  step: number,
): number {
  const { network, optimizer, dataset } = ctx;
  return tf.tidy(() => {
    const { x, y } = gatherWindows(dataset, batch);
    const xs = tf.tensor3d(x, [batch.length, dataset.lookback, 1]);
    const ys = tf.tensor2d(y, [batch.length, 1]);
    const dropoutSeed = deriveSeed(ctx.seed, "dropout", step);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.meanSquaredError(ys, network.predict(xs, dropoutSeed)) as tf.Scalar,
      network.variables,
    );
    optimizer.applyGradients(network.variables.map((v) => ({ name: v.name, tensor: grads[v.name]! })));
    return value.dataSync()[0]!;
  });
}

/** MSE over windows first .. first+windows-1, in chunks to bound memory; null when not finite. */
export function meanSquaredError(network: Network, dataset: PreparedDataset, first: number, windows: number, chunk: number): number | null {
  let sum = 0;
  for (let start = 0; start < windows; start += chunk) {
    const count = Math.min(chunk, windows - start);
    const indices = Array.from({ length: count }, (_, k) => first + start + k);
    sum += tf.tidy(() => {
      const { x, y } = gatherWindows(dataset, indices);
      const pred = network.predict(tf.tensor3d(x, [count, dataset.lookback, 1]));
      return tf.sum(tf.squaredDifference(pred, tf.tensor2d(y, [count, 1]))).dataSync()[0]!;
    });
  }
  const mse = sum / windows;
  return Number.isFinite(mse) ? mse : null;
}
