/**
 * npm run dev: serves the API on http://127.0.0.1:8787 (coordinator + a trainer pool), with state
 * persisted in .wrangler/state so sweeps survive a restart. Secrets come from .dev.vars, created
 * from .dev.vars.example when missing.
 */
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, startLocalStack } from "./local-stack.js";

const { values: args } = parseArgs({ options: { trainers: { type: "string" }, port: { type: "string", default: "8787" } } });
if (!existsSync(join(ROOT, ".dev.vars"))) {
  copyFileSync(join(ROOT, ".dev.vars.example"), join(ROOT, ".dev.vars"));
  console.log("created .dev.vars from .dev.vars.example");
}
const stack = await startLocalStack({
  port: Number(args.port),
  persistTo: join(ROOT, ".wrangler", "state", "local-stack"),
  verbose: true,
  ...(args.trainers ? { trainers: Number(args.trainers) } : {}),
});
console.log(`
coordinator  ${stack.url}
trainers     ${stack.trainerUrls.join(" ")}

  submit a signed sweep:  npm run submit -- examples/sweep.json
  poll it:                curl -H "Authorization: Bearer ${stack.secrets.API_TOKEN}" ${stack.url}/sweeps/<id>
Ctrl-C stops.`);
const stop = async () => {
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
