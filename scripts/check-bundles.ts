/**
 * npm run check:bundles — builds both Workers exactly as `wrangler deploy` would (dry run) and
 * fails if either bundle exceeds 10 MiB uncompressed, or if the trainer's module start-up (its
 * global scope, measured inside workerd) exceeds 400 ms. Prints the figures either way.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { buildWorkers, ROOT } from "./local-stack.js";

const MAX_BUNDLE_BYTES = 10 * 1024 * 1024;
const MAX_STARTUP_MS = 400;
const RUNS = 5;

function bundleBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => !f.endsWith(".map") && f !== "README.md")
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/**
 * Global-scope time of the trainer bundle: a probe module that imports a clock module first and
 * the bundle second sees, in its own body, how long evaluating the bundle took. Fresh runtime per run.
 */
async function trainerStartupMs(): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "trainer-startup-"));
  try {
    copyFileSync(join(ROOT, "dist/trainer/index.js"), join(dir, "index.js"));
    writeFileSync(join(dir, "clock.js"), "globalThis.__moduleStart = Date.now();\n");
    writeFileSync(
      join(dir, "probe.js"),
      'import "./clock.js";\nimport trainer from "./index.js";\nconst startupMs = Date.now() - globalThis.__moduleStart;\n' +
        "export default { fetch: () => Response.json({ startupMs, hasFetch: typeof trainer.fetch === 'function' }) };\n",
    );
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const mf = new Miniflare({
        modules: true,
        scriptPath: join(dir, "probe.js"),
        modulesRoot: dir,
        modulesRules: [{ type: "ESModule", include: ["**/*.js"] }],
        compatibilityDate: "2026-04-26",
        cf: false,
      });
      const res = await mf.dispatchFetch("http://localhost/");
      const body = (await res.json()) as { startupMs: number; hasFetch: boolean };
      await mf.dispose();
      if (!body.hasFetch) throw new Error("the trainer bundle has no fetch handler");
      times.push(body.startupMs);
    }
    return times;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await buildWorkers();
const sizes = { coordinator: bundleBytes(join(ROOT, "dist/coordinator")), trainer: bundleBytes(join(ROOT, "dist/trainer")) };
const startups = await trainerStartupMs();
const startupMs = [...startups].sort((a, b) => a - b)[Math.floor(startups.length / 2)]!;
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
