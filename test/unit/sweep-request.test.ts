import { describe, expect, it } from "vitest";
import { sweepRequestSchema, TRAINING_STATE_LIMIT_MIB, trainingStateBytes, trainingStateProblem } from "../../core/sweep-request.js";

const request = (model: Record<string, number>, batchSize?: number) =>
  sweepRequestSchema.parse({ model, training: batchSize === undefined ? {} : { batchSize } });

describe("training state a trainer must hold per step", () => {
  it.each([
    // lookback, units, layers, batch → bytes: lookback × batch × (8 · padded units + 2 · inputs) × 4 per layer
    [{ lookback: 30, units: 32, layers: 1 }, 64, 30 * 64 * (8 * 32 + 2) * 4],
    [{ lookback: 30, units: 5, layers: 1 }, 64, 30 * 64 * (8 * 8 + 2) * 4],
    [{ lookback: 10, units: 16, layers: 2 }, 32, 10 * 32 * (8 * 16 + 2) * 4 + 10 * 32 * (8 * 16 + 2 * 16) * 4],
    [{ lookback: 512, units: 256, layers: 1 }, 64, 512 * 64 * (8 * 256 + 2) * 4],
  ])("%o with batch %i needs %i bytes", (model, batch, bytes) => {
    expect(trainingStateBytes(model, batch)).toBe(bytes);
  });

  it("accepts the defaults (W1 needs under 2 MiB)", () => {
    expect(trainingStateBytes({ lookback: 30, units: 32, layers: 1 }, 64)).toBe(1_981_440);
    expect(trainingStateProblem(request({}))).toBeNull();
  });

  it("rejects lookback 512 × batch 64 × 256 units, naming the sizes and the limit", () => {
    expect(trainingStateProblem(request({ lookback: 512, units: 256 }))).toEqual({
      path: "training.batchSize",
      code: "training_state_too_large",
      message:
        "training.batchSize: lookback 512 × batch 64 × 256 units × 1 layer(s) needs about 257 MiB of training state per step, " +
        `over the trainer's ${TRAINING_STATE_LIMIT_MIB} MiB (limit trainingStateMiB); use a smaller batch, lookback or model`,
    });
  });

  it("draws the line at 64 MiB", () => {
    // lookback 256, 256 units: batch 32 needs 64.06 MiB, batch 31 needs 62.06 MiB.
    expect(trainingStateProblem(request({ lookback: 256, units: 256 }, 32))?.code).toBe("training_state_too_large");
    expect(trainingStateProblem(request({ lookback: 256, units: 256 }, 31))).toBeNull();
  });
});

describe("rate ranges", () => {
  it.each([
    [{ min: 0.001, max: 0.1, count: 1 }, "rates.count", "count 1 would try only min; use count >= 2 to span min..max, or min == max"],
    [{ min: 0.1, max: 0.001, count: 4 }, "rates.max", "max must be >= min"],
  ])("rejects %o at %s", (rates, path, message) => {
    const result = sweepRequestSchema.safeParse({ rates });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([[path, message]]);
  });

  it("accepts a single rate given as min == max with count 1", () => {
    expect(sweepRequestSchema.parse({ rates: { min: 0.01, max: 0.01, count: 1 } }).rates).toEqual({ min: 0.01, max: 0.01, count: 1 });
  });
});
