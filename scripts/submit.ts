/**
 * npm run submit -- FILE.json [--url URL] [--wait]: signs a sweep request with WEBHOOK_SECRET
 * (from .dev.vars) the Standard Webhooks way and posts it to a running coordinator.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ApiError, sweepClient } from "./client.js";
import { devSecrets } from "./local-stack.js";
import { recommendation, sweepTable } from "./report.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: "string", default: "http://127.0.0.1:8787" }, wait: { type: "boolean", default: false } },
});
if (positionals.length !== 1) {
  console.error("usage: npm run submit -- FILE.json [--url http://127.0.0.1:8787] [--wait]");
  process.exit(2);
}
const secrets = devSecrets();
const client = sweepClient({ url: args.url!, webhookSecret: secrets.WEBHOOK_SECRET, apiToken: secrets.API_TOKEN });
try {
  const accepted = await client.submit(JSON.parse(readFileSync(positionals[0]!, "utf8")));
  console.log(JSON.stringify(accepted, null, 2));
  if (args.wait) {
    const view = await client.waitForFinish(accepted.id, { onProgress: (v) => console.error(`${v.status} ${JSON.stringify(v.progress)}`) });
    console.log(`\n${sweepTable(view)}\n\n${recommendation(view)}`);
  }
} catch (err) {
  if (err instanceof ApiError) {
    console.error(`rejected with HTTP ${err.status}: ${JSON.stringify(err.body, null, 2)}`);
    process.exit(1);
  }
  throw err;
}
