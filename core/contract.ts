/** The coordinator ↔ trainer contract: one slice request in, one slice result out. */
import { z } from "zod";
import { OPTIMIZERS } from "./vocabulary.js";

const positiveRate = z.number().positive().finite();
const stepCount = z.number().int().positive();

export const scheduleSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), lr: positiveRate }),
  z.object({ kind: z.literal("cosine"), maxLr: positiveRate, minLr: z.number().nonnegative(), tMax: stepCount }),
  z.object({ kind: z.literal("step"), lr: positiveRate, gamma: z.number().positive(), stepSize: stepCount }),
  z.object({ kind: z.literal("exponential"), lr: positiveRate, gamma: z.number().positive() }),
  z.object({ kind: z.literal("triangular"), baseLr: positiveRate, maxLr: positiveRate, stepSize: stepCount }),
  z.object({ kind: z.literal("triangular2"), baseLr: positiveRate, maxLr: positiveRate, stepSize: stepCount }),
  z.object({
    kind: z.literal("exp_range"),
    baseLr: positiveRate,
    maxLr: positiveRate,
    stepSize: stepCount,
    gamma: z.number().positive(),
  }),
]);

export const modelOptionsSchema = z
  .object({
    lookback: z.number().int().min(1),
    units: z.number().int().min(1),
    layers: z.number().int().min(1),
    dropout: z.number().min(0).lt(1),
  })
  .strict();
export type ModelOptions = z.infer<typeof modelOptionsSchema>;

export const trainingOptionsSchema = z
  .object({
    optimizer: z.enum(OPTIMIZERS),
    batchSize: z.number().int().min(1),
    seed: z.number().int().min(0),
    /** An epoch loss above this multiple of the lowest one so far marks the training diverged. */
    divergenceFactor: z.number().gt(1),
    /** tfjs backend: auto takes WASM SIMD when it loads, else CPU. Results differ slightly between backends. */
    backend: z.enum(["auto", "wasm", "cpu"]).optional(),
  })
  .strict();
export type TrainingOptions = z.infer<typeof trainingOptionsSchema>;

export const sliceRequestSchema = z
  .object({
    sweepId: z.string().min(1),
    trainingId: z.string().min(1),
    datasetKey: z.string().min(1),
    model: modelOptionsSchema,
    training: trainingOptionsSchema,
    schedule: scheduleSchema,
    /** 1-based, inclusive; `from` > 1 or a follow-up training needs `checkpointKey`. */
    epochs: z
      .object({ from: z.number().int().min(1), to: z.number().int().min(1) })
      .strict()
      .refine((e) => e.to >= e.from, { message: "epochs.to must be >= epochs.from" }),
    checkpointKey: z.string().min(1).optional(),
    /** Milliseconds the slice may take; the trainer stops early (after a whole epoch) rather than exceed it. */
    budgetMs: z.number().int().positive().optional(),
    /** Which dispatch of this slice this is (1-based); lets duplicates and retries be told apart in logs. */
    attempt: z.number().int().positive().optional(),
  })
  .strict();
export type SliceRequest = z.infer<typeof sliceRequestSchema>;

export interface EpochPoint {
  epoch: number;
  /** Mean training loss over the epoch's batches; null when it was not finite. */
  loss: number | null;
  valLoss: number | null;
  /** The rate used by the epoch's first step. */
  learningRate: number;
}

export interface SliceResult {
  sweepId: string;
  trainingId: string;
  /** The epochs actually run (the trainer may stop early to stay within budgetMs). */
  epochs: { from: number; to: number };
  points: EpochPoint[];
  outcome: "continue" | "diverged";
  /** The epoch at which divergence was detected (present when outcome is diverged). */
  divergedAtEpoch?: number;
  /** Where the state after the last epoch run is stored (absent when diverged). */
  checkpointKey?: string;
  stepsPerEpoch: number;
  /** The tfjs backend that trained the slice. */
  backend: "wasm" | "cpu";
  /**
   * Milliseconds the trainer spent on the slice, loading included, by its own clock. Training is
   * CPU-bound, so this approximates the CPU time billed for the slice.
   */
  cpuMs: number;
}
