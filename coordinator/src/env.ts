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
  /** Comma-separated trainer origins; slices are spread over them (the local pool). */
  TRAINER_URLS: string;
  /** Milliseconds a slice may take before it is abandoned and retried (default 300000). */
  SLICE_TIMEOUT_MS?: string;
  /** First retry delay in milliseconds, doubled per retry (default 1000). */
  RETRY_BACKOFF_MS?: string;
}
