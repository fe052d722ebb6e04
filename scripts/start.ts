/**
 * npm start: runs one sweep through the real path (signed webhook → coordinator → trainer pool →
 * polling) on the built-in S&P 500 series or a CSV file, then prints the table and recommendation.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { SweepView } from "../coordinator/src/sweep-view.js";
import type { SweepRequestInput } from "../core/sweep-request.js";
import { ApiError, sweepClient } from "./client.js";
import { startLocalStack } from "./local-stack.js";
import { costLine, progressLine, recommendation, sweepTable } from "./report.js";

const HELP = `Usage: npm start -- [options]

Runs a learning-rate sweep on the local stack and prints the results.

  --csv FILE          train on a column of a CSV file instead of the built-in S&P 500 series
  --column NAME       the CSV column to read (default: close)
  --epochs N          epochs per training (default 6)
  --rates LIST        comma-separated rates, or MIN:MAX:COUNT log-spaced (default 1e-4:1e-1:8)
  --strategy S        follow-up: anneal | cyclical | both | none (default both)
  --anneal K          cosine | step | exponential (default cosine)
  --cyclical K        triangular | triangular2 | exp_range (default triangular)
  --optimizer O       adam | sgd | momentum | rmsprop | adagrad (default adam)
  --lookback N        window length (default 30)
  --units N           LSTM units (default 32)
  --seed N            seed (default 42)
  --trainers N        local trainer runtimes (default: one per core)
  --dispatch MODE     pool (trainer runtimes over HTTP, default) | queue (the Cloudflare path:
                      a real Miniflare queue, results reported to the Durable Object by RPC)
  --concurrency N     slices in flight (default: the number of trainers)
  --request FILE      a full JSON sweep request (flags above override it)
  --json              print the final sweep view as JSON instead of the table
  -h, --help          this text
`;

const { values: args } = parseCommandLine();

function parseCommandLine() {
  try {
    return parseArgs({
  options: {
    csv: { type: "string" },
    column: { type: "string", default: "close" },
    epochs: { type: "string" },
    rates: { type: "string" },
    strategy: { type: "string" },
    anneal: { type: "string" },
    cyclical: { type: "string" },
    optimizer: { type: "string" },
    lookback: { type: "string" },
    units: { type: "string" },
    seed: { type: "string" },
    trainers: { type: "string" },
    dispatch: { type: "string", default: "pool" },
    concurrency: { type: "string" },
    request: { type: "string" },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
}

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) fail(`--${name} expects an integer, got "${value}"`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function parseRates(text: string): SweepRequestInput["rates"] {
  const range = text.split(":");
  if (range.length === 3) {
    const [min, max, count] = range.map(Number);
    if (![min, max, count].every(Number.isFinite)) fail(`--rates MIN:MAX:COUNT expects three numbers, got "${text}"`);
    return { min: min!, max: max!, count: count! };
  }
  const list = text.split(",").map(Number);
  if (list.some((x) => !Number.isFinite(x))) fail(`--rates expects numbers like 1e-3,1e-2 or MIN:MAX:COUNT, got "${text}"`);
  return list;
}

function readText(flag: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    fail(`--${flag} ${path}: ${(err as Error).message}`);
  }
}

function readRequest(path: string): Record<string, any> {
  const text = readText("request", path);
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(`--request ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

const trainers = int("trainers", args.trainers);
if (trainers !== undefined && trainers < 1) fail(`--trainers expects at least 1, got ${trainers}`);
const request: Record<string, any> = args.request ? readRequest(args.request) : {};
if (args.csv) request.series = { csv: readText("csv", args.csv), column: args.column };
const put = (section: string, key: string, value: unknown) => {
  if (value !== undefined) request[section] = { ...(request[section] ?? {}), [key]: value };
};
put("training", "epochs", int("epochs", args.epochs));
put("training", "optimizer", args.optimizer);
put("model", "lookback", int("lookback", args.lookback));
put("model", "units", int("units", args.units));
put("followUp", "strategy", args.strategy);
put("followUp", "anneal", args.anneal);
put("followUp", "cyclical", args.cyclical);
if (args.rates) request.rates = parseRates(args.rates);
if (args.seed) request.seed = int("seed", args.seed);

const concurrency = int("concurrency", args.concurrency);
if (args.dispatch !== "pool" && args.dispatch !== "queue") fail(`--dispatch expects pool or queue, got "${args.dispatch}"`);
const stack = await startLocalStack({ port: 0, dispatch: args.dispatch, ...(trainers !== undefined ? { trainers } : {}) });
// One slice in flight per trainer runtime unless told otherwise: more would only queue inside workerd.
request.concurrency = concurrency ?? request.concurrency ?? Math.max(1, stack.trainerUrls.length);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void stack.stop().finally(() => process.exit(130)));
}
const started = Date.now();
try {
  const client = sweepClient({ url: stack.url, webhookSecret: stack.secrets.WEBHOOK_SECRET, apiToken: stack.secrets.API_TOKEN });
  const accepted = await client.submit(request).catch((err: unknown) => {
    if (err instanceof ApiError) fail(`the coordinator rejected the request (HTTP ${err.status}): ${JSON.stringify(err.body)}`);
    throw err;
  });
  process.stderr.write(
    `sweep ${accepted.id} accepted; ${stack.dispatch === "queue" ? "queue dispatch (one runtime)" : `${stack.trainerUrls.length} trainer runtime(s)`}\n`,
  );
  let last = "";
  const view: SweepView = await client.waitForFinish(accepted.id, {
    intervalMs: 1000,
    onProgress: (v) => {
      const line = `${progressLine(v)}  ${Math.round((Date.now() - started) / 1000)}s`;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
      else if (line.replace(/\d+s$/, "") !== last.replace(/\d+s$/, "")) process.stderr.write(`${line}\n`);
      last = line;
    },
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  if (args.json) {
    process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  } else {
    const d = view.dataset;
    process.stdout.write(
      `\nSweep ${view.id}: ${view.status} in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `data: ${view.config.series}, ${d.seriesLength} values, ${d.trainWindows} train / ${d.valWindows} validation windows, ${d.stepsPerEpoch} steps per epoch\n\n` +
        `${sweepTable(view)}\n\n${recommendation(view)}\n${costLine(view)}\n`,
    );
  }
  process.exitCode = view.status === "succeeded" ? 0 : 1;
} finally {
  await stack.stop();
}
