import type { SliceRequest, SliceResult } from "../../core/contract.js";
import { checkpointKey, type BlobStore } from "../../lib/blob-store.js";
import { loadDataset } from "./dataset-cache.js";
import { trainSlice } from "./train.js";

/** A slice that can never succeed as sent (missing dataset or checkpoint): retrying will not help. */
export class SliceInputError extends Error {
  constructor(
    readonly code: "dataset_missing" | "checkpoint_missing",
    message: string,
  ) {
    super(message);
    this.name = "SliceInputError";
  }
}

/** Trains one slice with its inputs from and its checkpoint to the blob store. Used by HTTP and queue entry points. */
export async function runSlice(slice: SliceRequest, store: BlobStore): Promise<SliceResult> {
  const started = Date.now();
  const dataset = await loadDataset(store, slice.datasetKey).catch((err: unknown) => {
    if (err instanceof Error && err.name === "DatasetMissingError") throw new SliceInputError("dataset_missing", err.message);
    throw err;
  });
  let checkpoint: Uint8Array | undefined;
  if (slice.checkpointKey) {
    checkpoint = (await store.get(slice.checkpointKey)) ?? undefined;
    if (!checkpoint) throw new SliceInputError("checkpoint_missing", `checkpoint ${slice.checkpointKey} not found in storage`);
  }
  const out = await trainSlice({
    dataset,
    model: slice.model,
    training: slice.training,
    schedule: slice.schedule,
    epochs: slice.epochs,
    ...(checkpoint ? { checkpoint } : {}),
    ...(slice.budgetMs ? { budgetMs: slice.budgetMs } : {}),
  });
  let savedKey: string | undefined;
  if (out.checkpoint) {
    // Keyed by epoch, and training is deterministic: a duplicate run writes the same bytes.
    savedKey = checkpointKey(slice.sweepId, slice.trainingId, out.epochs.to);
    await store.put(savedKey, out.checkpoint);
  }
  return {
    sweepId: slice.sweepId,
    trainingId: slice.trainingId,
    epochs: out.epochs,
    points: out.points,
    outcome: out.outcome,
    ...(out.divergedAtEpoch !== undefined ? { divergedAtEpoch: out.divergedAtEpoch } : {}),
    ...(savedKey ? { checkpointKey: savedKey } : {}),
    stepsPerEpoch: out.stepsPerEpoch,
    backend: out.backend,
    cpuMs: Date.now() - started,
  };
}
