import type { OptimizerName } from "../../core/vocabulary.js";
import { tf } from "./tf.js";

export function createOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case "adam":
      return tf.train.adam(learningRate);
    case "sgd":
      return tf.train.sgd(learningRate);
    case "momentum":
      return tf.train.momentum(learningRate, 0.9);
    case "rmsprop":
      return tf.train.rmsprop(learningRate);
    case "adagrad":
      return tf.train.adagrad(learningRate);
  }
}

/**
 * Makes the optimizer use `learningRate` from its next step on. SGD and momentum cache the rate
 * as a tensor (`c`) that only `setLearningRate` rebuilds; Adam, RMSProp and Adagrad read their
 * protected `learningRate` field on every step, so assigning it is enough.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // Not `instanceof`: tfjs optimizers answer instanceof by duck typing, so Adam "is" an SGDOptimizer.
  const className = optimizer.getClassName();
  if (className === "SGD" || className === "Momentum") {
    const sgd = optimizer as tf.SGDOptimizer;
    if ((sgd as unknown as { learningRate: number }).learningRate !== learningRate) sgd.setLearningRate(learningRate);
    return;
  }
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}

/** Frees the optimizer's tensors. tfjs 4.22's MomentumOptimizer.dispose() skips its parent's, leaking the rate scalar. */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer.getClassName() === "Momentum") (optimizer as unknown as { c: tf.Scalar }).c.dispose();
}
