/**
 * The local stack: one coordinator runtime (Worker + Sweep Durable Objects + R2) and a pool of
 * trainer runtimes, one workerd process each, since one workerd runs one thread. Only the
 * coordinator has storage; trainers read datasets and checkpoints through it.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Log, LogLevel, Miniflare, type WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface Secrets {
  WEBHOOK_SECRET: string;
  API_TOKEN: string;
  INTERNAL_TOKEN: string;
}

export interface LocalStackOptions {
  /** Trainer runtimes in the pool; default: one per core. */
  trainers?: number;
  /** Coordinator port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Persist Durable Object and R2 state here; default in memory. */
  persistTo?: string;
  secrets?: Secrets;
  /** Extra coordinator vars (e.g. SLICE_TIMEOUT_MS). */
  vars?: Record<string, string>;
  /** Show workerd's console output. */
  verbose?: boolean;
}

export interface LocalStack {
  url: string;
  trainerUrls: string[];
  secrets: Secrets;
  stop(): Promise<void>;
}

/** Secrets from .dev.vars, else .dev.vars.example (the documented development values). */
export function devSecrets(): Secrets {
  const file = [".dev.vars", ".dev.vars.example"].map((f) => join(ROOT, f)).find((f) => existsSync(f))!;
  const vars = Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => /^\s*[A-Z_]+\s*=/.test(l))
      .map((l) => {
        const [k, ...v] = l.split("=");
        return [k!.trim(), v.join("=").trim()];
      }),
  );
  for (const k of ["WEBHOOK_SECRET", "API_TOKEN", "INTERNAL_TOKEN"]) {
    if (!vars[k]) throw new Error(`${file} does not define ${k}`);
  }
  return vars as unknown as Secrets;
}

const run = promisify(execFile);

/** Bundles both Workers exactly as `wrangler deploy` would, into dist/. */
export async function buildWorkers(): Promise<void> {
  const wrangler = join(ROOT, "node_modules", ".bin", "wrangler");
  await Promise.all(
    [
      ["wrangler.toml", "dist/coordinator"],
      ["worker/wrangler.toml", "dist/trainer"],
    ].map(([config, outdir]) =>
      run(wrangler, ["deploy", "--dry-run", "--outdir", join(ROOT, outdir!), "--config", join(ROOT, config!)], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_UPDATE_NOTIFIER: "1" },
      }).catch((err: { stderr?: string; message: string }) => {
        throw new Error(`wrangler build of ${config} failed: ${err.stderr || err.message}`);
      }),
    ),
  );
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.unref();
    server.on("error", rej);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
  });
}

function workerOptions(config: string, outdir: string): WorkerOptions & { bindings?: Record<string, unknown> } {
  const fromConfig = unstable_getMiniflareWorkerOptions(join(ROOT, config)).workerOptions as WorkerOptions;
  return {
    ...fromConfig,
    modules: true,
    // Miniflare would otherwise download a Request.cf sample from the internet at start-up.
    cf: false,
    scriptPath: join(ROOT, outdir, "index.js"),
    modulesRoot: join(ROOT, outdir),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "Text", include: ["**/*.csv"] },
    ],
  } as WorkerOptions & { bindings?: Record<string, unknown> };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const trainers = options.trainers ?? availableParallelism();
  if (!Number.isInteger(trainers) || trainers < 1) throw new TypeError(`Expected trainers to be a positive integer, got ${trainers}`);
  const secrets = options.secrets ?? devSecrets();
  await buildWorkers();
  const port = options.port === 0 || options.port === undefined ? (options.port === 0 ? await freePort() : 8787) : options.port;
  const coordinatorUrl = `http://127.0.0.1:${port}`;
  const log = options.verbose ? new Log(LogLevel.INFO) : new Log(LogLevel.WARN);
  const trainerPorts = await Promise.all(Array.from({ length: trainers }, () => freePort()));
  const trainerUrls = trainerPorts.map((p) => `http://127.0.0.1:${p}`);
  const trainerOpts = workerOptions("worker/wrangler.toml", "dist/trainer");
  const pool = trainerPorts.map(
    (p) =>
      new Miniflare({
        ...trainerOpts,
        host: "127.0.0.1",
        port: p,
        log,
        bindings: { ...(trainerOpts.bindings ?? {}), BLOB_URL: coordinatorUrl, INTERNAL_TOKEN: secrets.INTERNAL_TOKEN },
      }),
  );
  const coordinatorOpts = workerOptions("wrangler.toml", "dist/coordinator");
  const persist = options.persistTo
    ? { durableObjectsPersist: join(options.persistTo, "do"), r2Persist: join(options.persistTo, "r2") }
    : {};
  const coordinator = new Miniflare({
    ...coordinatorOpts,
    ...persist,
    host: "127.0.0.1",
    port,
    log,
    bindings: {
      ...(coordinatorOpts.bindings ?? {}),
      ...secrets,
      TRAINER_URLS: trainerUrls.join(","),
      ...options.vars,
    },
  });
  await Promise.all([coordinator.ready, ...pool.map((mf) => mf.ready)]);
  return {
    url: coordinatorUrl,
    trainerUrls,
    secrets,
    async stop() {
      await Promise.allSettled([coordinator.dispose(), ...pool.map((mf) => mf.dispose())]);
    },
  };
}
