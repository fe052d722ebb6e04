/**
 * Sweep policy as pure functions over plain data: which rates to try, how to rank trainings,
 * which follow-up trainings to run, and which epochs the next slice of a training covers.
 */
import type { Schedule } from "./schedule.js";
import type { SweepRequest } from "./sweep-request.js";
import type { TrainingStatus } from "./vocabulary.js";

export interface PlannedTraining {
  round: 1 | 2;
  learningRate: number;
  schedule: Schedule;
  epochs: number;
  /** The round-1 training whose final checkpoint this one continues from (warm start). */
  parentId?: string;
  /** Why this training exists, e.g. "grid", "anneal", "cyclical", "control". */
  role: "grid" | "anneal" | "cyclical" | "control";
}

export interface TrainingOutcome {
  id: string;
  round: number;
  learningRate: number;
  status: TrainingStatus;
  bestValLoss: number | null;
}

/** `count` rates log-spaced from min to max inclusive, rounded to 4 significant digits. */
export function logSpacedRates(min: number, max: number, count: number): number[] {
  if (count === 1) return [min];
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  return Array.from({ length: count }, (_, i) => Number((10 ** (lo + ((hi - lo) * i) / (count - 1))).toPrecision(4)));
}

export function candidateRates(rates: SweepRequest["rates"]): number[] {
  const list = Array.isArray(rates) ? rates : logSpacedRates(rates.min, rates.max, rates.count);
  return [...new Set(list)].sort((a, b) => a - b);
}

export function planGrid(request: Pick<SweepRequest, "rates" | "training">): PlannedTraining[] {
  return candidateRates(request.rates).map((lr) => ({
    round: 1,
    learningRate: lr,
    schedule: { kind: "constant", lr },
    epochs: request.training.epochs,
    role: "grid",
  }));
}

/**
 * Best first: succeeded trainings by best validation loss (ties: lower rate, then id), then
 * every diverged, failed or cancelled one; those never rank above a succeeded training.
 */
export function rankTrainings<T extends TrainingOutcome>(trainings: readonly T[]): T[] {
  const eligible = (t: T) => t.status === "succeeded" && t.bestValLoss !== null && Number.isFinite(t.bestValLoss);
  return [...trainings].sort((a, b) => {
    const ea = eligible(a);
    const eb = eligible(b);
    if (ea !== eb) return ea ? -1 : 1;
    if (ea && eb && a.bestValLoss !== b.bestValLoss) return a.bestValLoss! - b.bestValLoss!;
    if (a.learningRate !== b.learningRate) return a.learningRate - b.learningRate;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

/** The winning training, or null when no training succeeded. */
export function pickBest<T extends TrainingOutcome>(trainings: readonly T[]): T | null {
  const [first] = rankTrainings(trainings);
  return first && first.status === "succeeded" && first.bestValLoss !== null ? first : null;
}

export const FOLLOW_UP_RULES = {
  /** Annealing ends at the candidate's rate divided by this. */
  annealFloorDivisor: 100,
  /** The cyclical upper bound is at most this multiple of the candidate's rate. */
  cyclicalMaxMultiple: 4,
  /** The cyclical lower bound is the upper bound divided by this. */
  cyclicalRangeDivisor: 4,
  /** Half-cycle length in epochs is clamped to this range. */
  halfCycleEpochs: { min: 2, max: 8 },
  /** exp_range amplitude falls to this fraction over the round. */
  expRangeFinalAmplitude: 0.1,
  /** step decay: gamma applied this many times over the round. */
  stepDrops: 2,
  stepGamma: 0.1,
} as const;

export interface FollowUpContext {
  followUp: SweepRequest["followUp"];
  epochs: number;
  stepsPerEpoch: number;
}

/** Follow-up trainings around the top K round-1 trainings; none when nothing succeeded. */
export function planFollowUp(round1: readonly TrainingOutcome[], ctx: FollowUpContext): PlannedTraining[] {
  const { followUp, epochs, stepsPerEpoch } = ctx;
  if (followUp.strategy === "none") return [];
  const ranked = rankTrainings(round1).filter((t) => t.status === "succeeded" && t.bestValLoss !== null);
  const top = ranked.slice(0, followUp.topK);
  const largestStableRate = Math.max(...round1.filter((t) => t.status === "succeeded").map((t) => t.learningRate));
  const totalSteps = epochs * stepsPerEpoch;
  const planned: PlannedTraining[] = [];
  for (const candidate of top) {
    const base = { round: 2 as const, epochs, parentId: candidate.id, learningRate: candidate.learningRate };
    if (followUp.strategy === "anneal" || followUp.strategy === "both") {
      planned.push({ ...base, role: "anneal", schedule: annealSchedule(followUp.anneal, candidate.learningRate, totalSteps) });
    }
    if (followUp.strategy === "cyclical" || followUp.strategy === "both") {
      const maxLr = Math.min(largestStableRate, FOLLOW_UP_RULES.cyclicalMaxMultiple * candidate.learningRate);
      planned.push({
        ...base,
        role: "cyclical",
        schedule: cyclicalSchedule(followUp.cyclical, {
          maxLr,
          baseLr: maxLr / FOLLOW_UP_RULES.cyclicalRangeDivisor,
          stepSize: halfCycleEpochs(epochs) * stepsPerEpoch,
          totalSteps,
        }),
      });
    }
    if (followUp.control) {
      planned.push({ ...base, role: "control", schedule: { kind: "constant", lr: candidate.learningRate } });
    }
  }
  return planned;
}

/** Half a cycle spans half the round, clamped to 2..8 epochs. */
export function halfCycleEpochs(epochs: number): number {
  const { min, max } = FOLLOW_UP_RULES.halfCycleEpochs;
  return Math.min(max, Math.max(min, Math.floor(epochs / 2)));
}

export function annealSchedule(kind: "cosine" | "step" | "exponential", lr: number, totalSteps: number): Schedule {
  const floor = lr / FOLLOW_UP_RULES.annealFloorDivisor;
  switch (kind) {
    case "cosine":
      return { kind, maxLr: lr, minLr: floor, tMax: Math.max(1, totalSteps - 1) };
    case "step":
      return {
        kind,
        lr,
        gamma: FOLLOW_UP_RULES.stepGamma,
        stepSize: Math.max(1, Math.ceil(totalSteps / (FOLLOW_UP_RULES.stepDrops + 1))),
      };
    case "exponential":
      return { kind, lr, gamma: (1 / FOLLOW_UP_RULES.annealFloorDivisor) ** (1 / Math.max(1, totalSteps - 1)) };
  }
}

export function cyclicalSchedule(
  kind: "triangular" | "triangular2" | "exp_range",
  bounds: { baseLr: number; maxLr: number; stepSize: number; totalSteps: number },
): Schedule {
  const { baseLr, maxLr, stepSize, totalSteps } = bounds;
  if (kind === "exp_range") {
    return { kind, baseLr, maxLr, stepSize, gamma: FOLLOW_UP_RULES.expRangeFinalAmplitude ** (1 / Math.max(1, totalSteps)) };
  }
  return { kind, baseLr, maxLr, stepSize };
}

/** The epochs of a training's next slice, or null when it has run them all. */
export function nextSliceEpochs(
  training: { epochsDone: number; epochs: number },
  sliceEpochs: number,
): { from: number; to: number } | null {
  if (training.epochsDone >= training.epochs) return null;
  const from = training.epochsDone + 1;
  return { from, to: Math.min(training.epochs, training.epochsDone + sliceEpochs) };
}

/**
 * Whether a slice result moves its training on. Results arrive at least once and possibly late:
 * only the result for exactly the next epochs of a training still in progress counts, so a
 * duplicate, a stale retry or a result after cancellation changes nothing.
 */
export function sliceResultApplies(
  training: { status: TrainingStatus; epochsDone: number },
  result: { epochs: { from: number } },
): boolean {
  return (training.status === "queued" || training.status === "running") && result.epochs.from === training.epochsDone + 1;
}
