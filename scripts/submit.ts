/**
 * npm run submit -- FILE.json [--url URL] [--wait]: signs a sweep request with WEBHOOK_SECRET
 * (from .dev.vars) the Standard Webhooks way and posts it to a running coordinator.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { SweepRequestInput } from "../core/sweep-request.js";
import { ApiError, sweepClient } from "./client.js";
import { devSecrets } from "./local-stack.js";
import { costLine, progressLine, recommendation, sweepTable } from "./report.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: "string", default: "http://127.0.0.1:8787" }, wait: { type: "boolean", default: false } },
});
if (positionals.length !== 1) {
  console.error("usage: npm run submit -- FILE.json [--url http://127.0.0.1:8787] [--wait]");
  process.exit(2);
}
function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

/** The request as written; the coordinator validates it and answers 422 with the fields at fault. */
function readRequest(path: string): SweepRequestInput {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    fail(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

const request = readRequest(positionals[0]!);
const secrets = devSecrets();
const client = sweepClient({ url: args.url!, webhookSecret: secrets.WEBHOOK_SECRET, apiToken: secrets.API_TOKEN });
try {
  const started = Date.now();
  const accepted = await client.submit(request);
  console.log(JSON.stringify(accepted, null, 2));
  if (args.wait) {
    const view = await client.waitForFinish(accepted.id, { onProgress: (v) => console.error(progressLine(v)) });
    console.log(
      `\nSweep ${view.id}: ${view.status} in ${((Date.now() - started) / 1000).toFixed(1)} s\n\n` +
        `${sweepTable(view)}\n\n${recommendation(view)}\n${costLine(view)}`,
    );
    process.exitCode = view.status === "succeeded" ? 0 : 1;
  }
} catch (err) {
  if (err instanceof ApiError) {
    console.error(`rejected with HTTP ${err.status}: ${JSON.stringify(err.body, null, 2)}`);
    process.exit(1);
  }
  if (err instanceof TypeError && err.message === "fetch failed") {
    fail(`no coordinator answered at ${args.url} (${(err.cause as Error | undefined)?.message ?? "connection failed"}); start one with npm run dev`);
  }
  throw err;
}
