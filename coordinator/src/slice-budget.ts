/**
 * How big a slice may be and how long it may stay out, from the measured cost of an epoch (pure).
 * A slice must use at most half the trainer's CPU limit; its lease is twice its expected time and
 * never under the minimum, after which it is dispatched again.
 */
export interface SliceBudgetInput {
  /** The trainer's configured CPU limit per invocation (`limits.cpu_ms`). */
  cpuLimitMs: number;
  leaseMinMs: number;
  /** The request's sliceEpochs: the upper bound, and the size before anything was measured. */
  maxSliceEpochs: number;
  /** Measured milliseconds per epoch of this training (or its parent), if any. */
  msPerEpoch: number | null;
}

export interface SliceBudget {
  sliceEpochs: number;
  /** Passed to the trainer, which stops early rather than exceed it. */
  budgetMs: number;
  leaseMs: number;
}

export function sliceBudget(input: SliceBudgetInput): SliceBudget {
  const budgetMs = Math.floor(input.cpuLimitMs / 2);
  const fit = input.msPerEpoch && input.msPerEpoch > 0 ? Math.max(1, Math.floor(budgetMs / input.msPerEpoch)) : input.maxSliceEpochs;
  const sliceEpochs = Math.min(input.maxSliceEpochs, fit);
  const expectedMs = input.msPerEpoch ? input.msPerEpoch * sliceEpochs : budgetMs;
  return { sliceEpochs, budgetMs, leaseMs: Math.max(input.leaseMinMs, Math.ceil(2 * expectedMs)) };
}
