/** Bindings of the trainer Worker (declared in worker/wrangler.toml, secrets in .dev.vars.example). */
export interface TrainerEnv {
  /** Shared with the coordinator: datasets and checkpoints. Bound on Cloudflare. */
  BUCKET?: R2Bucket;
  /** Without BUCKET (local pool trainers): the coordinator's origin, whose /internal/blobs routes front its bucket. */
  BLOB_URL?: string;
  /** Secret shared with the coordinator; required on /slices and on the coordinator's blob routes. */
  INTERNAL_TOKEN: string;
}
