import { SeriesError } from "./series.js";

/**
 * Reads one numeric column from CSV text (RFC 4180 quoting, comma separator, header row).
 * Errors name the 1-based line and the column so that the caller can fix the file.
 */
export function readCsvColumn(text: string, column: string, field = "series.csv"): number[] {
  const rows = parseCsv(text).filter((row) => !(row.cells.length === 1 && row.cells[0]!.trim() === ""));
  if (rows.length === 0) throw new SeriesError(field, "CSV text is empty or blank", "csv_empty");
  if (rows.length === 1) throw new SeriesError(field, "CSV text has a header but no data rows", "csv_empty");
  const header = rows[0]!.cells.map((h) => h.trim());
  const index = header.indexOf(column);
  if (index < 0) {
    throw new SeriesError(
      "series.column",
      `column "${column}" not found; the header has: ${header.map((h) => JSON.stringify(h)).join(", ")}`,
      "csv_column_missing",
    );
  }
  const values: number[] = [];
  for (const row of rows.slice(1)) {
    const cell = (row.cells[index] ?? "").trim();
    const value = cell === "" ? NaN : Number(cell);
    if (!Number.isFinite(value)) {
      throw new SeriesError(
        field,
        `line ${row.line}, column "${column}": ${cell === "" ? "missing value" : `"${cell}" is not a finite number`}`,
        "csv_invalid_value",
      );
    }
    values.push(value);
  }
  return values;
}

interface CsvRow {
  line: number;
  cells: string[];
}

function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = "";
      line++;
      rowLine = line;
    } else {
      cell += ch;
    }
  }
  if (cell !== "" || cells.length > 0) {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}
