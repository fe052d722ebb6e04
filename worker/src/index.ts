/**
 * The trainer Worker: stateless. Each POST /slices trains one slice of one training and returns
 * its per-epoch points; the state to resume from lives in the blob store, never in the isolate.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { sliceRequestSchema, type SliceResult } from "../../core/contract.js";
import { requireBearer } from "../../lib/bearer.js";
import { checkpointKey, httpBlobStore, r2BlobStore, type BlobStore } from "../../lib/blob-store.js";
import { apiError, issueList, notFound, onError } from "../../lib/http-errors.js";
import { DatasetMissingError, loadDataset } from "./dataset-cache.js";
import type { TrainerEnv } from "./env.js";
import { trainSlice } from "./train.js";

function blobStore(env: TrainerEnv): BlobStore {
  if (env.BUCKET) return r2BlobStore(env.BUCKET);
  if (env.BLOB_URL) return httpBlobStore(env.BLOB_URL, env.INTERNAL_TOKEN);
  throw apiError(500, "misconfigured", "the trainer has neither a BUCKET binding nor BLOB_URL");
}

const app = new Hono<{ Bindings: TrainerEnv }>();
app.onError(onError);
app.notFound(notFound);

app.get("/healthz", (c) => c.json({ ok: true, service: "trainer" }));

app.post(
  "/slices",
  requireBearer((env: TrainerEnv) => env.INTERNAL_TOKEN, "internal"),
  zValidator("json", sliceRequestSchema, (result) => {
    if (!result.success) throw apiError(422, "invalid_slice", "invalid slice request", issueList(result.error.issues));
  }),
  async (c) => {
    const started = Date.now();
    const slice = c.req.valid("json");
    const store = blobStore(c.env);
    const dataset = await loadDataset(store, slice.datasetKey).catch((err: unknown) => {
      if (err instanceof DatasetMissingError) throw apiError(409, "dataset_missing", err.message);
      throw err;
    });
    let checkpoint: Uint8Array | undefined;
    if (slice.checkpointKey) {
      checkpoint = (await store.get(slice.checkpointKey)) ?? undefined;
      if (!checkpoint) throw apiError(409, "checkpoint_missing", `checkpoint ${slice.checkpointKey} not found in storage`);
    }
    const out = await trainSlice({
      dataset,
      model: slice.model,
      training: slice.training,
      schedule: slice.schedule,
      epochs: slice.epochs,
      ...(checkpoint ? { checkpoint } : {}),
    });
    let savedKey: string | undefined;
    if (out.checkpoint) {
      savedKey = checkpointKey(slice.sweepId, slice.trainingId, slice.epochs.to);
      await store.put(savedKey, out.checkpoint);
    }
    const result: SliceResult = {
      trainingId: slice.trainingId,
      epochs: slice.epochs,
      points: out.points,
      outcome: out.outcome,
      ...(out.divergedAtEpoch !== undefined ? { divergedAtEpoch: out.divergedAtEpoch } : {}),
      ...(savedKey ? { checkpointKey: savedKey } : {}),
      stepsPerEpoch: out.stepsPerEpoch,
      trainerMs: Date.now() - started,
    };
    return c.json(result);
  },
);

export default app;
