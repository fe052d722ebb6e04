import { describe, expect, it } from "vitest";
import {
  annealSchedule,
  candidateRates,
  halfCycleEpochs,
  logSpacedRates,
  nextSliceEpochs,
  pickBest,
  planFollowUp,
  planGrid,
  rankTrainings,
  sliceResultApplies,
  type TrainingOutcome,
} from "../../core/plan.js";
import { learningRateAt } from "../../core/schedule.js";
import { sweepRequestSchema } from "../../core/sweep-request.js";

const outcome = (id: string, learningRate: number, status: TrainingOutcome["status"], bestValLoss: number | null): TrainingOutcome => ({
  id,
  round: 1,
  learningRate,
  status,
  bestValLoss,
});

describe("candidate rates", () => {
  it("log-spaces the default grid from 1e-4 to 1e-1 in 8 rates", () => {
    expect(logSpacedRates(1e-4, 1e-1, 8)).toEqual([0.0001, 0.0002683, 0.0007197, 0.001931, 0.005179, 0.01389, 0.03728, 0.1]);
  });
  it("takes an explicit list sorted and without duplicates", () => {
    expect(candidateRates([0.1, 0.001, 0.1, 0.01])).toEqual([0.001, 0.01, 0.1]);
  });
  it("plans one constant-rate grid training per rate", () => {
    const request = sweepRequestSchema.parse({ rates: [0.01, 0.001], training: { epochs: 3 } });
    expect(planGrid(request)).toEqual([
      { round: 1, learningRate: 0.001, schedule: { kind: "constant", lr: 0.001 }, epochs: 3, role: "grid" },
      { round: 1, learningRate: 0.01, schedule: { kind: "constant", lr: 0.01 }, epochs: 3, role: "grid" },
    ]);
  });
});

describe("ranking", () => {
  const trainings = [
    outcome("a", 0.1, "diverged", 0.0001),
    outcome("b", 0.01, "succeeded", 0.5),
    outcome("c", 0.001, "succeeded", 0.2),
    outcome("d", 0.3, "failed", null),
    outcome("e", 0.0001, "succeeded", 0.2),
  ];
  it("orders succeeded trainings by best validation loss, ties by lower rate, then the rest", () => {
    expect(rankTrainings(trainings).map((t) => t.id)).toEqual(["e", "c", "b", "a", "d"]);
  });
  it("never lets a diverged training win, however low its loss", () => {
    expect(pickBest(trainings)?.id).toBe("e");
  });
  it("has no winner when nothing succeeded", () => {
    expect(pickBest([outcome("a", 0.1, "diverged", 0.1), outcome("b", 1, "failed", null)])).toBeNull();
  });
});

describe("follow-up planning", () => {
  const round1 = [
    outcome("r1-01", 0.001, "succeeded", 0.3),
    outcome("r1-02", 0.01, "succeeded", 0.1),
    outcome("r1-03", 0.02, "succeeded", 0.2),
    outcome("r1-04", 0.1, "diverged", null),
  ];
  const followUp = sweepRequestSchema.parse({}).followUp;

  it("runs anneal, cyclical and a constant control for each of the top 2", () => {
    const planned = planFollowUp(round1, { followUp, epochs: 6, stepsPerEpoch: 10 });
    expect(planned.map((p) => [p.parentId, p.role])).toEqual([
      ["r1-02", "anneal"],
      ["r1-02", "cyclical"],
      ["r1-02", "control"],
      ["r1-03", "anneal"],
      ["r1-03", "cyclical"],
      ["r1-03", "control"],
    ]);
  });

  it("anneals by cosine from the candidate's rate to rate/100 over the round", () => {
    const [anneal] = planFollowUp(round1, { followUp, epochs: 6, stepsPerEpoch: 10 });
    expect(anneal!.schedule).toEqual({ kind: "cosine", maxLr: 0.01, minLr: 0.0001, tMax: 59 });
    expect(learningRateAt(anneal!.schedule, 59)).toBeCloseTo(0.0001, 12);
  });

  it("bounds the cycle by the largest stable rate, at most 4x the candidate, lower = upper/4", () => {
    const planned = planFollowUp(round1, { followUp, epochs: 6, stepsPerEpoch: 10 });
    // r1-02 (0.01): largest non-diverged rate 0.02 < 4 x 0.01, so upper 0.02, lower 0.005.
    expect(planned[1]!.schedule).toEqual({ kind: "triangular", baseLr: 0.005, maxLr: 0.02, stepSize: 30 });
    // r1-03 (0.02) is itself the largest stable rate.
    expect(planned[4]!.schedule).toEqual({ kind: "triangular", baseLr: 0.005, maxLr: 0.02, stepSize: 30 });
  });

  it("caps the upper bound at 4x the candidate's rate", () => {
    const wide = [outcome("lo", 0.001, "succeeded", 0.1), outcome("hi", 0.1, "succeeded", 0.5)];
    const planned = planFollowUp(wide, { followUp: { ...followUp, topK: 1, strategy: "cyclical", control: false }, epochs: 6, stepsPerEpoch: 10 });
    expect(planned).toHaveLength(1);
    expect(planned[0]!.schedule).toEqual({ kind: "triangular", baseLr: 0.001, maxLr: 0.004, stepSize: 30 });
  });

  it.each([
    [1, 2],
    [4, 2],
    [6, 3],
    [16, 8],
    [40, 8],
  ])("half-cycle for a %i-epoch round is %i epochs", (epochs, half) => {
    expect(halfCycleEpochs(epochs)).toBe(half);
  });

  it("selects step and exponential decay reaching rate/100 at the end", () => {
    const step = annealSchedule("step", 0.1, 90);
    expect(step).toEqual({ kind: "step", lr: 0.1, gamma: 0.1, stepSize: 30 });
    expect(learningRateAt(step, 89)).toBeCloseTo(0.001, 12);
    const exp = annealSchedule("exponential", 0.1, 90);
    expect(learningRateAt(exp, 89)).toBeCloseTo(0.001, 12);
  });

  it("plans nothing for strategy none or when no candidate succeeded", () => {
    expect(planFollowUp(round1, { followUp: { ...followUp, strategy: "none" }, epochs: 6, stepsPerEpoch: 10 })).toEqual([]);
    expect(planFollowUp([outcome("x", 1, "diverged", null)], { followUp, epochs: 6, stepsPerEpoch: 10 })).toEqual([]);
  });
});

describe("slices", () => {
  it.each([
    [{ epochsDone: 0, epochs: 12 }, 5, { from: 1, to: 5 }],
    [{ epochsDone: 5, epochs: 12 }, 5, { from: 6, to: 10 }],
    [{ epochsDone: 10, epochs: 12 }, 5, { from: 11, to: 12 }],
    [{ epochsDone: 12, epochs: 12 }, 5, null],
  ])("after %o with slices of %i epochs the next is %o", (training, sliceEpochs, expected) => {
    expect(nextSliceEpochs(training, sliceEpochs)).toEqual(expected);
  });
});

describe("recording slice results", () => {
  it.each([
    ["the next slice of a running training", "running", 4, 5, true],
    ["the first slice of a queued training", "queued", 0, 1, true],
    ["a duplicate of the slice just recorded", "running", 4, 3, false],
    ["a result from the future", "running", 4, 9, false],
    ["a late result after cancellation", "cancelled", 4, 5, false],
    ["a result for a finished training", "succeeded", 6, 7, false],
    ["a result for a diverged training", "diverged", 2, 3, false],
  ] as const)("%s: %s", (_name, status, epochsDone, from, applies) => {
    expect(sliceResultApplies({ status, epochsDone }, { epochs: { from } })).toBe(applies);
  });
});
