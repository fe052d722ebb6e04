import type { SliceRequest } from "../../core/contract.js";
import type { SweepObject } from "./sweep-object.js";

/** Bindings of the coordinator Worker (declared in wrangler.toml, secrets in .dev.vars.example). */
export interface Env {
  /** One Durable Object per sweep, named by the sweep id. */
  SWEEPS: DurableObjectNamespace<SweepObject>;
  /** Prepared datasets (content-addressed) and training checkpoints. */
  BUCKET: R2Bucket;
  /** Standard Webhooks secret (`whsec_…`) that signs POST /webhooks/sweeps. */
  WEBHOOK_SECRET: string;
  /** Bearer token for reading and cancelling sweeps. */
  API_TOKEN: string;
  /** Shared with the trainers: authenticates /slices calls and the /internal/blobs routes. */
  INTERNAL_TOKEN: string;
  /** `pool` (HTTP to TRAINER_URLS, local) or `queue` (TRAINING_QUEUE, Cloudflare). Default pool. */
  DISPATCH?: string;
  /** Comma-separated trainer origins; pool mode spreads slices over them. */
  TRAINER_URLS?: string;
  /** Queue mode: slices go here; the trainer Worker consumes them. */
  TRAINING_QUEUE?: Queue<SliceRequest>;
  /** The trainer's CPU limit per invocation in ms (its `limits.cpu_ms`); slices aim at half of it. Default 30000. */
  CPU_LIMIT_MS?: string;
  /** Shortest lease in ms before a silent slice is dispatched again (default 60000). */
  LEASE_MIN_MS?: string;
  /** First retry delay in milliseconds, doubled per retry (default 1000). */
  RETRY_BACKOFF_MS?: string;
}
