import { describe, expect, it } from "vitest";
import { learningRateAt, type Schedule } from "../../core/schedule.js";

// Expected values computed by hand from the published formulas:
// CosineAnnealingLR: eta_min + (eta_max - eta_min) * (1 + cos(pi * t / T_max)) / 2
// StepLR: lr * gamma ** floor(t / step_size); ExponentialLR: lr * gamma ** t
// CyclicLR (Smith 2017): cycle = floor(1 + t / (2 s)); x = |t / s - 2 cycle + 1|;
//   lr = base + (max - base) * max(0, 1 - x) * scale, scale = 1 | 1 / 2 ** (cycle - 1) | gamma ** t
const cases: Array<[string, Schedule, number, number]> = [
  ["constant at 0", { kind: "constant", lr: 0.01 }, 0, 0.01],
  ["constant at 999", { kind: "constant", lr: 0.01 }, 999, 0.01],
  ["cosine start", { kind: "cosine", maxLr: 0.1, minLr: 0.001, tMax: 100 }, 0, 0.1],
  ["cosine quarter", { kind: "cosine", maxLr: 0.1, minLr: 0.001, tMax: 100 }, 25, 0.001 + 0.099 * (1 + Math.SQRT1_2) / 2],
  ["cosine middle", { kind: "cosine", maxLr: 0.1, minLr: 0.001, tMax: 100 }, 50, 0.0505],
  ["cosine end", { kind: "cosine", maxLr: 0.1, minLr: 0.001, tMax: 100 }, 100, 0.001],
  ["cosine holds the floor after tMax", { kind: "cosine", maxLr: 0.1, minLr: 0.001, tMax: 100 }, 150, 0.001],
  ["step before first drop", { kind: "step", lr: 0.1, gamma: 0.1, stepSize: 30 }, 29, 0.1],
  ["step after first drop", { kind: "step", lr: 0.1, gamma: 0.1, stepSize: 30 }, 30, 0.01],
  ["step after second drop", { kind: "step", lr: 0.1, gamma: 0.1, stepSize: 30 }, 65, 0.001],
  ["exponential at 0", { kind: "exponential", lr: 0.1, gamma: 0.9 }, 0, 0.1],
  ["exponential at 3", { kind: "exponential", lr: 0.1, gamma: 0.9 }, 3, 0.0729],
  ["triangular bottom", { kind: "triangular", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 0, 0.001],
  ["triangular rising", { kind: "triangular", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 5, 0.0035],
  ["triangular peak", { kind: "triangular", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 10, 0.006],
  ["triangular falling", { kind: "triangular", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 15, 0.0035],
  ["triangular next cycle", { kind: "triangular", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 20, 0.001],
  ["triangular second peak", { kind: "triangular", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 30, 0.006],
  ["triangular2 first peak", { kind: "triangular2", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 10, 0.006],
  ["triangular2 second peak halves", { kind: "triangular2", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 30, 0.0035],
  ["triangular2 third peak quarters", { kind: "triangular2", baseLr: 0.001, maxLr: 0.006, stepSize: 10 }, 50, 0.00225],
  ["exp_range first peak", { kind: "exp_range", baseLr: 0.001, maxLr: 0.006, stepSize: 10, gamma: 0.99 }, 10, 0.001 + 0.005 * 0.99 ** 10],
  ["exp_range second peak", { kind: "exp_range", baseLr: 0.001, maxLr: 0.006, stepSize: 10, gamma: 0.99 }, 30, 0.001 + 0.005 * 0.99 ** 30],
  ["exp_range bottom", { kind: "exp_range", baseLr: 0.001, maxLr: 0.006, stepSize: 10, gamma: 0.99 }, 20, 0.001],
];

describe("learningRateAt", () => {
  it.each(cases)("%s", (_name, schedule, step, expected) => {
    expect(learningRateAt(schedule, step)).toBeCloseTo(expected, 12);
  });

  it("rejects negative and fractional steps", () => {
    expect(() => learningRateAt({ kind: "constant", lr: 1 }, -1)).toThrow("non-negative integer, got -1");
    expect(() => learningRateAt({ kind: "constant", lr: 1 }, 1.5)).toThrow("got 1.5");
  });
});
