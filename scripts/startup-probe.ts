import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Miniflare } from "miniflare";

/**
 * Global-scope time of a bundled Worker (ms, one figure per fresh runtime): a probe module imports
 * a clock module first and the bundle second, and reads the clock in its own body.
 */
export async function moduleStartupMs(bundle: string, runs = 5): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "startup-probe-"));
  try {
    // The bundle and its modules (the .wasm the trainer imports), the entry renamed index.js.
    for (const f of readdirSync(dirname(bundle))) {
      if (!f.endsWith(".map") && f !== "README.md") copyFileSync(join(dirname(bundle), f), join(dir, f === basename(bundle) ? "index.js" : f));
    }
    writeFileSync(join(dir, "clock.js"), "globalThis.__moduleStart = Date.now();\n");
    writeFileSync(
      join(dir, "probe.js"),
      'import "./clock.js";\nimport worker from "./index.js";\nconst startupMs = Date.now() - globalThis.__moduleStart;\n' +
        "export default { fetch: () => Response.json({ startupMs, hasFetch: typeof worker.fetch === 'function' }) };\n",
    );
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const mf = new Miniflare({
        modules: true,
        scriptPath: join(dir, "probe.js"),
        modulesRoot: dir,
        modulesRules: [
          { type: "ESModule", include: ["**/*.js"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
        compatibilityDate: "2026-04-26",
        cf: false,
      });
      const body = (await (await mf.dispatchFetch("http://localhost/")).json()) as { startupMs: number; hasFetch: boolean };
      await mf.dispose();
      if (!body.hasFetch) throw new Error(`${bundle} has no fetch handler`);
      times.push(body.startupMs);
    }
    return times;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
