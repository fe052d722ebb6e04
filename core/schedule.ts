/**
 * Learning-rate schedules as pure functions of the training's global step (one step = one batch).
 * Formulas follow PyTorch's schedulers (ConstantLR aside) and Smith's cyclical learning rates
 * ("Cyclical Learning Rates for Training Neural Networks", 2017), evaluated per batch.
 */

export type Schedule =
  | { kind: "constant"; lr: number }
  /** CosineAnnealingLR: maxLr at step 0, minLr at step tMax. */
  | { kind: "cosine"; maxLr: number; minLr: number; tMax: number }
  /** StepLR: lr multiplied by gamma every stepSize steps. */
  | { kind: "step"; lr: number; gamma: number; stepSize: number }
  /** ExponentialLR: lr multiplied by gamma every step. */
  | { kind: "exponential"; lr: number; gamma: number }
  /** CyclicLR 'triangular': a fixed triangle wave between baseLr and maxLr, half-cycle stepSize. */
  | { kind: "triangular"; baseLr: number; maxLr: number; stepSize: number }
  /** CyclicLR 'triangular2': the amplitude halves every cycle. */
  | { kind: "triangular2"; baseLr: number; maxLr: number; stepSize: number }
  /** CyclicLR 'exp_range': the amplitude is scaled by gamma^step. */
  | { kind: "exp_range"; baseLr: number; maxLr: number; stepSize: number; gamma: number };

export type ScheduleKind = Schedule["kind"];
export const ANNEAL_KINDS = ["cosine", "step", "exponential"] as const;
export const CYCLICAL_KINDS = ["triangular", "triangular2", "exp_range"] as const;
export type AnnealKind = (typeof ANNEAL_KINDS)[number];
export type CyclicalKind = (typeof CYCLICAL_KINDS)[number];

export function learningRateAt(schedule: Schedule, step: number): number {
  if (!Number.isInteger(step) || step < 0) {
    throw new RangeError(`Expected step to be a non-negative integer, got ${step}`);
  }
  switch (schedule.kind) {
    case "constant":
      return schedule.lr;
    case "cosine": {
      const t = Math.min(step, schedule.tMax);
      return (
        schedule.minLr +
        ((schedule.maxLr - schedule.minLr) * (1 + Math.cos((Math.PI * t) / schedule.tMax))) / 2
      );
    }
    case "step":
      return schedule.lr * schedule.gamma ** Math.floor(step / schedule.stepSize);
    case "exponential":
      return schedule.lr * schedule.gamma ** step;
    case "triangular":
    case "triangular2":
    case "exp_range": {
      const cycle = Math.floor(1 + step / (2 * schedule.stepSize));
      const x = Math.abs(step / schedule.stepSize - 2 * cycle + 1);
      const scale =
        schedule.kind === "triangular"
          ? 1
          : schedule.kind === "triangular2"
            ? 1 / 2 ** (cycle - 1)
            : schedule.gamma ** step;
      return schedule.baseLr + (schedule.maxLr - schedule.baseLr) * Math.max(0, 1 - x) * scale;
    }
  }
}

/** The rate the schedule starts from; for cyclical schedules, its peak (what a user compares). */
export function nominalRate(schedule: Schedule): number {
  switch (schedule.kind) {
    case "constant":
    case "step":
    case "exponential":
      return schedule.lr;
    case "cosine":
      return schedule.maxLr;
    default:
      return schedule.maxLr;
  }
}

const fmt = (x: number) => x.toExponential(1);

/** A short human-readable description, used by the CLI table. */
export function describeSchedule(schedule: Schedule, stepsPerEpoch?: number): string {
  const inEpochs = (steps: number) =>
    stepsPerEpoch ? `${+(steps / stepsPerEpoch).toFixed(2)} ep` : `${steps} steps`;
  switch (schedule.kind) {
    case "constant":
      return `constant ${fmt(schedule.lr)}`;
    case "cosine":
      return `cosine ${fmt(schedule.maxLr)}→${fmt(schedule.minLr)}`;
    case "step":
      return `step ${fmt(schedule.lr)} ×${schedule.gamma}/${inEpochs(schedule.stepSize)}`;
    case "exponential":
      return `exponential ${fmt(schedule.lr)} ×${schedule.gamma.toPrecision(4)}/step`;
    default:
      return `${schedule.kind} ${fmt(schedule.baseLr)}↔${fmt(schedule.maxLr)} half ${inEpochs(schedule.stepSize)}`;
  }
}
