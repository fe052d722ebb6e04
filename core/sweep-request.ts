/** The body of a sweep webhook: what to train on, which model, which rates, what follow-up. */
import { z } from "zod";
import { ANNEAL_KINDS, CYCLICAL_KINDS } from "./schedule.js";
import { FOLLOW_UP_STRATEGIES, OPTIMIZERS } from "./vocabulary.js";

export const BUILTIN_DATASETS = {
  sp500: "S&P 500 daily close, 2000-01-03 to 2020-04-17 (vega-datasets sp500-2000.csv, BSD-3-Clause)",
} as const;
export type BuiltinDatasetName = keyof typeof BUILTIN_DATASETS;

export const LIMITS = {
  seriesLength: 100_000,
  rates: 32,
  epochs: 500,
  units: 256,
  layers: 4,
  lookback: 512,
  concurrency: 64,
  topK: 8,
} as const;

const seriesSchema = z
  .object({
    values: z.array(z.number()).min(1).max(LIMITS.seriesLength).optional(),
    // Empty CSV text is answered by the CSV reader (csv_empty), like blank or header-only text.
    csv: z.string().optional(),
    column: z.string().min(1).optional(),
    dataset: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const given = (["values", "csv", "dataset"] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: "custom",
        message: `expected exactly one of "values", "csv" or "dataset", got ${given.length ? given.join(", ") : "none"}`,
      });
    }
    if (s.csv !== undefined && s.column === undefined) {
      ctx.addIssue({ code: "custom", path: ["column"], message: "required with csv: the column to read" });
    }
    if (s.column !== undefined && s.csv === undefined) {
      ctx.addIssue({ code: "custom", path: ["column"], message: "only allowed with csv" });
    }
    if (s.dataset !== undefined && !Object.hasOwn(BUILTIN_DATASETS, s.dataset)) {
      ctx.addIssue({
        code: "custom",
        path: ["dataset"],
        message: `unknown built-in dataset "${s.dataset}"; available: ${Object.keys(BUILTIN_DATASETS).join(", ")}`,
      });
    }
  });

const rate = z.number().positive().max(100);
const rateList = z.array(rate).min(1).max(LIMITS.rates);
const rateRange = z
  .object({
    min: rate,
    max: rate,
    count: z.number().int().min(1).max(LIMITS.rates),
  })
  .strict()
  .refine((r) => r.max >= r.min, { message: "max must be >= min", path: ["max"] })
  .refine((r) => r.count >= 2 || r.max === r.min, {
    message: "count 1 would try only min; use count >= 2 to span min..max, or min == max",
    path: ["count"],
  });
const DEFAULT_RATES = { min: 1e-4, max: 1e-1, count: 8 };

/** A list of rates or a log-spaced range; validated by the one schema that fits, for precise errors. */
const ratesSchema = z.unknown().optional().transform((value, ctx): z.infer<typeof rateList> | z.infer<typeof rateRange> => {
  if (value === undefined) return DEFAULT_RATES;
  const schema = Array.isArray(value) ? rateList : typeof value === "object" && value !== null ? rateRange : null;
  if (!schema) {
    ctx.addIssue({ code: "custom", message: "expected a list of rates or {min, max, count}" });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: issue.path } as Parameters<typeof ctx.addIssue>[0]);
  return z.NEVER;
});

export const sweepRequestSchema = z
  .object({
    series: seriesSchema.default({ dataset: "sp500" }),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
    model: z
      .object({
        lookback: z.number().int().min(1).max(LIMITS.lookback).default(30),
        units: z.number().int().min(1).max(LIMITS.units).default(32),
        layers: z.number().int().min(1).max(LIMITS.layers).default(1),
        dropout: z.number().min(0).lt(1).default(0),
      })
      .strict()
      .prefault({}),
    training: z
      .object({
        optimizer: z.enum(OPTIMIZERS).default("adam"),
        batchSize: z.number().int().min(1).max(4096).default(64),
        epochs: z.number().int().min(1).max(LIMITS.epochs).default(6),
        validationFraction: z.number().gt(0).lt(1).default(0.2),
        divergenceFactor: z.number().gt(1).default(4),
        backend: z.enum(["auto", "wasm", "cpu"]).default("auto"),
      })
      .strict()
      .prefault({}),
    rates: ratesSchema,
    followUp: z
      .object({
        strategy: z.enum(FOLLOW_UP_STRATEGIES).default("both"),
        topK: z.number().int().min(1).max(LIMITS.topK).default(2),
        /** Epochs of each follow-up training; defaults to training.epochs. */
        epochs: z.number().int().min(1).max(LIMITS.epochs).optional(),
        anneal: z.enum(ANNEAL_KINDS).default("cosine"),
        cyclical: z.enum(CYCLICAL_KINDS).default("triangular"),
        /** Also continue each candidate at its constant rate, so a schedule is judged against more epochs alone. */
        control: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    concurrency: z.number().int().min(1).max(LIMITS.concurrency).default(4),
    /** Where sweep.succeeded / sweep.failed / sweep.cancelled events are POSTed (https, no credentials). */
    callbackUrl: z.string().max(2048).optional(),
    sliceEpochs: z.number().int().min(1).max(LIMITS.epochs).default(5),
  })
  .strict();

/**
 * What a trainer holds for one training step's backward pass: for every LSTM layer, the gate
 * values, cell states and outputs of every time step of every window in the batch, and their
 * gradients; about 8·units + 2·inputs floats per window and step (worker/src/lstm-kernel.ts, whose
 * kernel pads units to a multiple of 8).
 */
export function trainingStateBytes(model: { lookback: number; units: number; layers: number }, batchSize: number): number {
  const units = Math.ceil(model.units / 8) * 8;
  let floats = 0;
  for (let layer = 0; layer < model.layers; layer++) {
    const inputs = layer === 0 ? 1 : model.units;
    floats += model.lookback * batchSize * (8 * units + 2 * inputs);
  }
  return floats * 4;
}

/**
 * Half of a Worker isolate's 128 MB: the rest holds tfjs, the dataset and the weights. Each limit
 * above allows far more on its own (lookback 512 × batch 4096 × 256 units needs 17 GB).
 */
export const TRAINING_STATE_LIMIT_MIB = 64;

/** Null, or why a valid request's model and batch would not fit in a trainer. */
export function trainingStateProblem(request: Pick<SweepRequest, "model" | "training">): { path: string; code: string; message: string } | null {
  const bytes = trainingStateBytes(request.model, request.training.batchSize);
  if (bytes <= TRAINING_STATE_LIMIT_MIB * 2 ** 20) return null;
  const { lookback, units, layers } = request.model;
  return {
    path: "training.batchSize",
    code: "training_state_too_large",
    message:
      `training.batchSize: lookback ${lookback} × batch ${request.training.batchSize} × ${units} units × ${layers} layer(s) ` +
      `needs about ${Math.ceil(bytes / 2 ** 20)} MiB of training state per step, over the trainer's ${TRAINING_STATE_LIMIT_MIB} MiB ` +
      `(limit trainingStateMiB); use a smaller batch, lookback or model`,
  };
}

export type SweepRequestInput = z.input<typeof sweepRequestSchema>;
export type SweepRequest = z.output<typeof sweepRequestSchema>;
