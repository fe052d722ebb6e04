import { readCsvColumn } from "../../core/csv.js";
import { SeriesError } from "../../core/series.js";
import { LIMITS, type BuiltinDatasetName, type SweepRequest } from "../../core/sweep-request.js";
import sp500Csv from "../../data/sp500-2000.csv";

/** Built-in series by name: the CSV text and the column that holds the series. */
const BUILTIN: Record<BuiltinDatasetName, { csv: string; column: string }> = {
  sp500: { csv: sp500Csv, column: "close" },
};

/** The raw values of a request's series, whichever form it came in. */
export function resolveSeries(series: SweepRequest["series"]): number[] {
  if (series.values) return series.values;
  if (series.csv !== undefined) {
    const values = readCsvColumn(series.csv, series.column!, "series.csv");
    if (values.length > LIMITS.seriesLength) {
      throw new SeriesError("series.csv", `the column has ${values.length} values, more than ${LIMITS.seriesLength} (limit seriesLength)`, "series_too_long");
    }
    return values;
  }
  const builtin = BUILTIN[series.dataset as BuiltinDatasetName];
  return readCsvColumn(builtin.csv, builtin.column, "series.dataset");
}
