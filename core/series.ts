/**
 * Turning a raw series into the dataset every training of a sweep reads: sliding windows of
 * `lookback` values that predict the next one, a chronological train/validation split, and
 * min-max scaling fitted on the training part only (the validation part must not leak into it).
 */

/** A problem with the caller's series; `field` is the request path the caller should fix. */
export type SeriesErrorCode =
  | "series_too_short"
  | "series_too_long"
  | "constant_series"
  | "series_range_overflow"
  | "non_finite_value"
  | "csv_empty"
  | "csv_column_missing"
  | "csv_invalid_value";

export class SeriesError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly code: SeriesErrorCode,
  ) {
    super(message);
    this.name = "SeriesError";
  }
}

export interface PreparedDataset {
  version: 1;
  lookback: number;
  /** The whole series after scaling; window i is values[i .. i+lookback) → values[i+lookback]. */
  values: number[];
  trainWindows: number;
  valWindows: number;
  scaler: { min: number; max: number };
  /** Validation MSE (scaled) of predicting each value by the previous one. */
  baselineValLoss: number;
}

export interface PrepareOptions {
  lookback: number;
  validationFraction: number;
  /** The request path of the series, for error messages. */
  field?: string;
}

export const MIN_TRAIN_WINDOWS = 4;
export const MIN_VAL_WINDOWS = 2;

export function prepareDataset(raw: readonly number[], options: PrepareOptions): PreparedDataset {
  const { lookback, validationFraction, field = "series" } = options;
  raw.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new SeriesError(`${field}.values.${i}`, `value at index ${i} is not a finite number`, "non_finite_value");
    }
  });
  const windows = raw.length - lookback;
  const valWindows = Math.max(MIN_VAL_WINDOWS, Math.round(windows * validationFraction));
  const trainWindows = windows - valWindows;
  if (trainWindows < MIN_TRAIN_WINDOWS) {
    const needed = lookback + MIN_VAL_WINDOWS + MIN_TRAIN_WINDOWS;
    throw new SeriesError(
      field,
      `series has ${raw.length} values; lookback ${lookback} with validationFraction ${validationFraction} ` +
        `needs at least ${Math.max(needed, Math.ceil(lookback + MIN_TRAIN_WINDOWS / (1 - validationFraction)))} values`,
      "series_too_short",
    );
  }
  // Values touched by training windows (inputs and targets) fit the scaler, nothing later.
  const fitPart = raw.slice(0, trainWindows + lookback);
  let min = Infinity;
  let max = -Infinity;
  for (const v of fitPart) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > min)) {
    throw new SeriesError(field, `the training part of the series is constant (${min}): it cannot be scaled`, "constant_series");
  }
  if (!Number.isFinite(max - min) || raw.some((v) => !Number.isFinite((v - min) / (max - min)))) {
    throw new SeriesError(field, `the series spans too wide a range to scale (min ${min}, max ${max})`, "series_range_overflow");
  }
  const values = raw.map((v) => (v - min) / (max - min));
  return {
    version: 1,
    lookback,
    values,
    trainWindows,
    valWindows,
    scaler: { min, max },
    baselineValLoss: lastValueBaseline(values, lookback, trainWindows, valWindows),
  };
}

/** MSE of forecasting each validation target by the last value of its window. */
export function lastValueBaseline(
  values: readonly number[],
  lookback: number,
  firstWindow: number,
  count: number,
): number {
  let sum = 0;
  for (let i = firstWindow; i < firstWindow + count; i++) {
    const diff = values[i + lookback]! - values[i + lookback - 1]!;
    sum += diff * diff;
  }
  return sum / count;
}

export function stepsPerEpoch(dataset: Pick<PreparedDataset, "trainWindows">, batchSize: number): number {
  return Math.ceil(dataset.trainWindows / batchSize);
}

/** Window inputs and targets for the given window indices, as flat arrays ready for tensors. */
export function gatherWindows(
  dataset: Pick<PreparedDataset, "values" | "lookback">,
  indices: ArrayLike<number>,
): { x: Float32Array; y: Float32Array } {
  const { values, lookback } = dataset;
  const x = new Float32Array(indices.length * lookback);
  const y = new Float32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const start = indices[k]!;
    for (let j = 0; j < lookback; j++) x[k * lookback + j] = values[start + j]!;
    y[k] = values[start + lookback]!;
  }
  return { x, y };
}
