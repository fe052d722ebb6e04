import type { PreparedDataset } from "../../core/series.js";
import type { BlobStore } from "../../lib/blob-store.js";

/**
 * Prepared datasets by content-addressed key. Keys never change meaning, so an isolate keeps the
 * few most recent ones and every later slice of the same sweep skips the download and parse.
 */
const MAX_ENTRIES = 4;
const cache = new Map<string, Promise<PreparedDataset>>();

export function loadDataset(store: BlobStore, key: string): Promise<PreparedDataset> {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const loading = store.get(key).then((bytes) => {
    if (!bytes) throw new DatasetMissingError(key);
    return JSON.parse(new TextDecoder().decode(bytes)) as PreparedDataset;
  });
  loading.catch(() => cache.delete(key));
  cache.set(key, loading);
  while (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return loading;
}

export class DatasetMissingError extends Error {
  constructor(readonly key: string) {
    super(`dataset ${key} not found in storage`);
    this.name = "DatasetMissingError";
  }
}
