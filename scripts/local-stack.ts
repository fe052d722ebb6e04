/**
 * The local stack, in one of two dispatch modes:
 * - pool (default): one coordinator runtime (Worker + Sweep Durable Objects), one storage runtime
 *   (the R2 bucket) and a pool of trainer runtimes, one workerd process each, since one workerd
 *   runs one thread. Only the storage runtime has the bucket; the coordinator and the trainers
 *   read and write datasets and checkpoints through its blob routes.
 * - queue: the Cloudflare topology in one runtime: the coordinator sends slices to a real
 *   (Miniflare) queue, the trainer Worker consumes them and reports to the Durable Object by RPC.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism, setPriority, tmpdir } from "node:os";
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
  CALLBACK_SECRET?: string;
}

export interface LocalStackOptions {
  /** Trainer runtimes in the pool; default: one per core. */
  trainers?: number;
  /** Coordinator port; 0 picks a free one. Default 8787. */
  port?: number;
  /** Persist Durable Object and R2 state here; default a scratch directory removed at stop. */
  persistTo?: string;
  secrets?: Secrets;
  /** pool (several trainer runtimes, HTTP) or queue (one runtime, a real queue). Default pool. */
  dispatch?: "pool" | "queue";
  /** Extra coordinator vars (e.g. LEASE_MIN_MS). */
  vars?: Record<string, string>;
  /** Extra trainer vars (e.g. FAULTS). */
  trainerVars?: Record<string, string>;
  /** Show workerd's console output. */
  verbose?: boolean;
}

export interface LocalStack {
  url: string;
  dispatch: "pool" | "queue";
  /** Trainer runtimes' origins (pool mode; empty in queue mode). */
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
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
  } as WorkerOptions & { bindings?: Record<string, unknown> };
}

/**
 * Trainers keep every core busy while the coordinator, one thread, must answer polls quickly. The
 * trainer runtimes run at a lower CPU priority (nice 10) so that a poll never waits behind a
 * training step; all cores still train whenever nothing else needs them. Best effort: Linux only.
 */
function deprioritiseTrainers(ports: number[]): void {
  if (process.platform !== "linux") return;
  try {
    const children = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });
    for (const line of children.split("\n")) {
      const match = /^\s*(\d+)\s+.*workerd serve .*--socket-addr=entry=127\.0\.0\.1:(\d+)/.exec(line);
      if (match && ports.includes(Number(match[2]))) setPriority(Number(match[1]), 10);
    }
  } catch (err) {
    console.warn(`could not lower the trainers' CPU priority: ${(err as Error).message}`);
  }
}

/**
 * Where an unpersisted stack keeps its Durable Object SQLite files and R2 objects. Each SQLite
 * commit fsyncs on the coordinator's only thread: under `npm run load` that was 608 fsyncs taking
 * 0.51 s of the thread in a 9 s run, in bursts that held every poll (even /healthz) for over
 * 100 ms. The state is thrown away at stop anyway, so it lives on tmpfs where fsync is free.
 */
async function scratchDirectory(): Promise<{ dir: string; remove(): void }> {
  const base = process.platform === "linux" && existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
  const dir = await mkdtemp(join(base, "lr-sweep-"));
  // tmpfs is memory: a run that exits without stop() (process.exit on a usage error) must not leave it behind.
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", remove);
  return {
    dir,
    remove() {
      process.off("exit", remove);
      remove();
    },
  };
}

type Options = WorkerOptions & { bindings?: Record<string, unknown> };

/** Options without the bindings a runtime must not have (each kind of storage has one owner). */
function withoutBindings(options: Options, keys: Array<"r2Buckets" | "queueProducers" | "queueConsumers" | "durableObjects">): Options {
  const copy = { ...options } as Record<string, unknown>;
  for (const k of keys) delete copy[k];
  return copy as Options;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dispatch = options.dispatch ?? "pool";
  const trainers = dispatch === "queue" ? 0 : (options.trainers ?? availableParallelism());
  if (dispatch === "pool" && (!Number.isInteger(trainers) || trainers < 1)) {
    throw new TypeError(`Expected trainers to be a positive integer, got ${trainers}`);
  }
  const secrets = options.secrets ?? devSecrets();
  await buildWorkers();
  const port = options.port === undefined ? 8787 : options.port === 0 ? await freePort() : options.port;
  const coordinatorUrl = `http://127.0.0.1:${port}`;
  const log = options.verbose ? new Log(LogLevel.INFO) : new Log(LogLevel.WARN);
  const scratch = options.persistTo ? undefined : await scratchDirectory();
  const stateDir = options.persistTo ?? scratch!.dir;
  const persist = { durableObjectsPersist: join(stateDir, "do"), r2Persist: join(stateDir, "r2"), queuesPersist: join(stateDir, "queues") };
  const removeScratch = () => scratch?.remove();
  const coordinatorOpts = workerOptions("wrangler.toml", "dist/coordinator");
  const trainerOpts = workerOptions("worker/wrangler.toml", "dist/trainer");

  if (dispatch === "queue") {
    const mf = new Miniflare({
      cf: false,
      host: "127.0.0.1",
      port,
      log,
      ...persist,
      workers: [
        {
          ...coordinatorOpts,
          name: "lr-sweep-coordinator",
          bindings: { ...coordinatorOpts.bindings, ...secrets, CALLBACK_ALLOW_HTTP: "loopback", DISPATCH: "queue", ...options.vars },
        },
        {
          ...trainerOpts,
          name: "lr-sweep-trainer",
          bindings: { ...trainerOpts.bindings, INTERNAL_TOKEN: secrets.INTERNAL_TOKEN, ...options.trainerVars },
        },
      ],
    } as ConstructorParameters<typeof Miniflare>[0]);
    await mf.ready;
    return {
      url: coordinatorUrl,
      dispatch,
      trainerUrls: [],
      secrets,
      async stop() {
        await mf.dispose();
        removeScratch();
      },
    };
  }

  const trainerPorts = await Promise.all(Array.from({ length: trainers }, () => freePort()));
  const trainerUrls = trainerPorts.map((p) => `http://127.0.0.1:${p}`);
  // The storage runtime: the coordinator's Worker with nothing bound but the bucket, of which only
  // the /internal/blobs routes are used. Owning R2 in its own process keeps the bucket's work (a
  // 1 KB put costs Miniflare's R2 about 1.5 ms of CPU) off the thread that answers polls; on
  // Cloudflare, R2 is a separate service as well.
  const storagePort = await freePort();
  const storageUrl = `http://127.0.0.1:${storagePort}`;
  const storage = new Miniflare({
    ...withoutBindings(coordinatorOpts, ["queueProducers", "queueConsumers", "durableObjects"]),
    r2Persist: persist.r2Persist,
    host: "127.0.0.1",
    port: storagePort,
    log,
    bindings: { INTERNAL_TOKEN: secrets.INTERNAL_TOKEN },
  } as ConstructorParameters<typeof Miniflare>[0]);
  const poolTrainer = withoutBindings(trainerOpts, ["r2Buckets", "queueConsumers", "durableObjects"]);
  const pool = trainerPorts.map(
    (p) =>
      new Miniflare({
        ...poolTrainer,
        host: "127.0.0.1",
        port: p,
        log,
        bindings: { ...poolTrainer.bindings, BLOB_URL: storageUrl, INTERNAL_TOKEN: secrets.INTERNAL_TOKEN, ...options.trainerVars },
      } as ConstructorParameters<typeof Miniflare>[0]),
  );
  const poolCoordinator = withoutBindings(coordinatorOpts, ["queueProducers", "queueConsumers", "r2Buckets"]);
  const coordinator = new Miniflare({
    ...poolCoordinator,
    durableObjectsPersist: persist.durableObjectsPersist,
    host: "127.0.0.1",
    port,
    log,
    bindings: {
      ...poolCoordinator.bindings,
      ...secrets,
      // Local only: lets tests and development receive callbacks on a plain-http loopback server.
      CALLBACK_ALLOW_HTTP: "loopback",
      DISPATCH: "pool",
      TRAINER_URLS: trainerUrls.join(","),
      BLOB_URL: storageUrl,
      ...options.vars,
    },
  } as ConstructorParameters<typeof Miniflare>[0]);
  await Promise.all([coordinator.ready, storage.ready, ...pool.map((mf) => mf.ready)]);
  deprioritiseTrainers(trainerPorts);
  return {
    url: coordinatorUrl,
    dispatch,
    trainerUrls,
    secrets,
    async stop() {
      await Promise.allSettled([coordinator.dispose(), storage.dispose(), ...pool.map((mf) => mf.dispose())]);
      removeScratch();
    },
  };
}
