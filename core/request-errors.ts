/**
 * Turns schema issues into field errors with stable codes, one per kind of limit or mistake, so
 * that a client can react to `too_many_rates` without parsing English.
 */
import { LIMITS } from "./sweep-request.js";

export interface FieldError {
  /** Dotted path of the offending field, "(body)" for the body itself. */
  path: string;
  code: string;
  message: string;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  maximum?: unknown;
  keys?: string[];
}

/** Limit codes by field path (the path with array indices removed). */
const TOO_BIG: Record<string, { code: string; limit: keyof typeof LIMITS | "batchSize" | "rateValue" }> = {
  "series.values": { code: "series_too_long", limit: "seriesLength" },
  rates: { code: "too_many_rates", limit: "rates" },
  "rates.count": { code: "too_many_rates", limit: "rates" },
  "rates.*": { code: "rate_too_large", limit: "rateValue" },
  "rates.min": { code: "rate_too_large", limit: "rateValue" },
  "rates.max": { code: "rate_too_large", limit: "rateValue" },
  "training.epochs": { code: "too_many_epochs", limit: "epochs" },
  "followUp.epochs": { code: "too_many_epochs", limit: "epochs" },
  "model.units": { code: "units_too_large", limit: "units" },
  "model.layers": { code: "too_many_layers", limit: "layers" },
  "model.lookback": { code: "lookback_too_large", limit: "lookback" },
  concurrency: { code: "concurrency_too_high", limit: "concurrency" },
  "followUp.topK": { code: "top_k_too_large", limit: "topK" },
  "training.batchSize": { code: "batch_size_too_large", limit: "batchSize" },
};

export function fieldErrors(issues: readonly Issue[]): FieldError[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".") || "(body)";
    const shape = issue.path.map((p) => (typeof p === "number" ? "*" : String(p))).join(".");
    if (issue.code === "too_big" && TOO_BIG[shape]) {
      const { code, limit } = TOO_BIG[shape]!;
      return { path, code, message: `${path}: ${issue.message.replace(/^Too big: /, "")} (limit ${limit})` };
    }
    if (issue.code === "unrecognized_keys") {
      return { path, code: "unknown_field", message: `${path}: unknown field${issue.keys && issue.keys.length > 1 ? "s" : ""} ${(issue.keys ?? []).map((k) => `"${k}"`).join(", ")}` };
    }
    if (shape === "series.values.*" && issue.code === "invalid_type") {
      const finite = /received (Infinity|-Infinity|NaN)/.test(issue.message);
      return {
        path,
        code: finite ? "non_finite_value" : "non_numeric_value",
        message: `${path}: value at index ${String(issue.path[2])} ${finite ? "is not finite" : "is not a number"}`,
      };
    }
    if (shape === "series.dataset") return { path, code: "unknown_dataset", message: `${path}: ${issue.message}` };
    if (shape === "callbackUrl") return { path, code: "invalid_callback_url", message: `${path}: ${issue.message}` };
    return { path, code: "invalid_request", message: `${path}: ${issue.message}` };
  });
}
