import { readFileSync } from "node:fs";
import { startLocalStack } from "./scripts/local-stack.ts";
import { sweepClient } from "./scripts/client.ts";
import { readCsvColumn } from "./core/csv.ts";
const stack = await startLocalStack({ dispatch: "queue", port: 0, vars: { RETRY_BACKOFF_MS: "100" } });
try {
const client = sweepClient({ url: stack.url, webhookSecret: stack.secrets.WEBHOOK_SECRET, apiToken: stack.secrets.API_TOKEN });
const values = readCsvColumn(readFileSync("data/sp500-2000.csv", "utf8"), "close").slice(0, 300);
const t = Date.now();
const acc = await client.submit({ series: { values }, model: { lookback: 8, units: 8 }, training: { epochs: 3, batchSize: 32 }, rates: [0.001, 0.01, 10], sliceEpochs: 2, concurrency: 2 });
const v = await client.waitForFinish(acc.id, { intervalMs: 500, timeoutMs: 120000, onProgress: (v) => console.log(v.status, JSON.stringify(v.progress)) });
console.log(v.status, v.best, JSON.stringify(v.cost));
console.log("wall", Date.now() - t);
} finally { await stack.stop(); }
