import type { SliceRequest } from "../../core/contract.js";
import type { SweepObject } from "./sweep-object.js";

/** Bindings of the coordinator Worker (declared in wrangler.toml, secrets in .dev.vars.example). */
export interface Env {
  /** One Durable Object per sweep, named by the sweep id. */
  SWEEPS: DurableObjectNamespace<SweepObject>;
  /** Prepared datasets (content-addressed) and training checkpoints. */
  BUCKET?: R2Bucket;
  /** Without BUCKET (the local pool): origin of the storage runtime whose /internal/blobs routes front the bucket. */
  BLOB_URL?: string;
  /** Standard Webhooks secrets (`whsec_…`, comma-separated: several are active during a rotation). */
  WEBHOOK_SECRETS?: string;
  /** A single webhook secret; accepted alongside WEBHOOK_SECRETS. */
  WEBHOOK_SECRET?: string;
  /** Bearer tokens for reading and cancelling sweeps (comma-separated). */
  API_TOKENS?: string;
  /** A single API token; accepted alongside API_TOKENS. */
  API_TOKEN?: string;
  /** Signs outgoing completion callbacks (`whsec_…`); receivers verify with it. */
  CALLBACK_SECRET?: string;
  /** `loopback` lets callbackUrl use plain http to 127.0.0.1/localhost (local development and tests only). */
  CALLBACK_ALLOW_HTTP?: string;
  /** First callback retry delay in ms, doubled per attempt (default 2000). */
  CALLBACK_BACKOFF_MS?: string;
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
