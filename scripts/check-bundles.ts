/**
 * npm run check:bundles — builds both Workers exactly as `wrangler deploy` would (dry run) and
 * fails if either bundle exceeds 10 MiB uncompressed, or if the trainer's module start-up (its
 * global scope, measured inside workerd) exceeds 400 ms. Prints the figures either way.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildWorkers, ROOT } from "./local-stack.js";
import { median, moduleStartupMs } from "./startup-probe.js";

const MAX_BUNDLE_BYTES = 10 * 1024 * 1024;
const MAX_STARTUP_MS = 400;

function bundleBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => !f.endsWith(".map") && f !== "README.md")
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

await buildWorkers();
const sizes = { coordinator: bundleBytes(join(ROOT, "dist/coordinator")), trainer: bundleBytes(join(ROOT, "dist/trainer")) };
const startups = await moduleStartupMs(join(ROOT, "dist/trainer/index.js"));
const startupMs = median(startups);
const figures = {
  coordinatorBundleMiB: +(sizes.coordinator / 2 ** 20).toFixed(2),
  trainerBundleMiB: +(sizes.trainer / 2 ** 20).toFixed(2),
  limitMiB: 10,
  trainerStartupMsMedian: startupMs,
  trainerStartupMsRuns: startups,
  startupLimitMs: MAX_STARTUP_MS,
};
console.log(JSON.stringify(figures, null, 2));
const problems = [
  ...Object.entries(sizes)
    .filter(([, bytes]) => bytes > MAX_BUNDLE_BYTES)
    .map(([name, bytes]) => `${name} bundle is ${(bytes / 2 ** 20).toFixed(2)} MiB, over 10 MiB`),
  ...(startupMs > MAX_STARTUP_MS ? [`trainer start-up ${startupMs} ms is over ${MAX_STARTUP_MS} ms`] : []),
];
if (problems.length) {
  console.error(`check failed:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log("bundle check passed");
