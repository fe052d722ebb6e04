import type { SweepObject } from "../../coordinator/src/sweep-object.js";

/** Bindings of the trainer Worker (declared in worker/wrangler.toml, secrets in .dev.vars.example). */
export interface TrainerEnv {
  /** Shared with the coordinator: datasets and checkpoints. Bound on Cloudflare and in queue mode. */
  BUCKET?: R2Bucket;
  /** Without BUCKET (local pool trainers): origin of the storage runtime whose /internal/blobs routes front the bucket. */
  BLOB_URL?: string;
  /** Secret shared with the coordinator; required on /slices and on the coordinator's blob routes. */
  INTERNAL_TOKEN: string;
  /** The coordinator's Sweep Durable Objects (queue mode): results are reported to them by RPC. */
  SWEEPS?: DurableObjectNamespace<SweepObject>;
  /**
   * Tests only: JSON {"seed", "rate", "kinds": ["fail"|"hang"|"duplicate"], "hangMs"} makes the
   * trainer misbehave on the first delivery of about `rate` of all slices, chosen by the seed.
   */
  FAULTS?: string;
}
