import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readCsvColumn } from "../../core/csv.js";
import { gatherWindows, prepareDataset, SeriesError, stepsPerEpoch } from "../../core/series.js";

describe("prepareDataset", () => {
  const raw = [10, 12, 11, 13, 14, 16, 15, 17, 30, 40];

  it("windows, splits chronologically and scales on the training part only", () => {
    const d = prepareDataset(raw, { lookback: 2, validationFraction: 0.25 });
    // 8 windows: 2 for validation (25%), 6 for training; training windows touch raw[0..7].
    expect([d.trainWindows, d.valWindows]).toEqual([6, 2]);
    expect(d.scaler).toEqual({ min: 10, max: 17 });
    expect(d.values[8]).toBeCloseTo(20 / 7, 12); // 30 lies beyond the fitted range: no leak.
    // Window 0 is raw[0..1] -> raw[2]; window 7 is raw[7..8] -> raw[9].
    const { x, y } = gatherWindows(d, [0, 7]);
    expect(Array.from(x)).toEqual([0, 2 / 7, 1, 20 / 7].map(Math.fround));
    expect(Array.from(y)).toEqual([1 / 7, 30 / 7].map(Math.fround));
  });

  it("reports the last-value baseline on the validation windows", () => {
    const d = prepareDataset(raw, { lookback: 2, validationFraction: 0.25 });
    // Validation targets raw[8]=30 (previous 17) and raw[9]=40 (previous 30), scaled by 1/7.
    expect(d.baselineValLoss).toBeCloseTo(((13 / 7) ** 2 + (10 / 7) ** 2) / 2, 12);
  });

  it("names the index of a non-finite value", () => {
    expect(() => prepareDataset([1, 2, Number.NaN, 4], { lookback: 1, validationFraction: 0.2 })).toThrow(
      new SeriesError("series.values.2", "value at index 2 is not a finite number", "non_finite_value"),
    );
  });

  it("rejects a series too short for its lookback", () => {
    expect(() => prepareDataset([1, 2, 3, 4, 5, 6, 7], { lookback: 3, validationFraction: 0.2 })).toThrow(/has 7 values; lookback 3/);
  });

  it("rejects a constant training part", () => {
    expect(() => prepareDataset(Array(20).fill(5), { lookback: 2, validationFraction: 0.2 })).toThrow(/constant \(5\): it cannot be scaled/);
  });

  it("rejects a series whose range overflows", () => {
    const raw = Array.from({ length: 20 }, (_, i) => (i % 2 ? 1e308 : -1e308));
    expect(() => prepareDataset(raw, { lookback: 2, validationFraction: 0.2 })).toThrow(/too wide a range to scale/);
  });

  it("counts steps per epoch with a partial last batch", () => {
    expect(stepsPerEpoch({ trainWindows: 4068 }, 64)).toBe(64);
    expect(stepsPerEpoch({ trainWindows: 128 }, 64)).toBe(2);
  });
});

describe("readCsvColumn", () => {
  it("reads the built-in S&P 500 close column (2000-01-03 .. 2020-04-17)", () => {
    const values = readCsvColumn(readFileSync("data/sp500-2000.csv", "utf8"), "close");
    expect(values).toHaveLength(5105);
    expect(values[0]).toBe(1455.219971);
    expect(values.at(-1)).toBe(2874.560059);
  });

  it("handles quotes, CRLF and a trailing newline", () => {
    expect(readCsvColumn('date,"price, usd"\r\n2020-01-01,"1.5"\r\n2020-01-02,2\r\n', "price, usd")).toEqual([1.5, 2]);
  });

  it("names the line and column of a bad value", () => {
    expect(() => readCsvColumn("a,b\n1,2\n3,x\n", "b")).toThrow('line 3, column "b": "x" is not a finite number');
    expect(() => readCsvColumn("a,b\n1,2\n3,\n", "b")).toThrow('line 3, column "b": missing value');
  });

  it.each([
    ["", "CSV text is empty or blank"],
    [" \n\n", "CSV text is empty or blank"],
    ["close\n", "CSV text has a header but no data rows"],
    ["\nclose\n\n", "CSV text has a header but no data rows"],
  ])("answers csv_empty for %j", (text, message) => {
    expect(() => readCsvColumn(text, "close")).toThrow(expect.objectContaining({ code: "csv_empty", message }));
  });

  it("skips blank lines before the header", () => {
    expect(readCsvColumn("\n\nclose\n1\n\n2\n", "close")).toEqual([1, 2]);
  });

  it("lists the header when the column is missing", () => {
    expect(() => readCsvColumn("a,b\n1,2\n", "close")).toThrow('column "close" not found; the header has: "a", "b"');
  });
});
