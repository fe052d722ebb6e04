import type { PreparedDataset } from "../../core/series.js";
import type { BlobStore } from "../../lib/blob-store.js";

/**
 * Stores a prepared dataset once, under the SHA-256 of its content: identical requests share it
 * and a key always names the same bytes, so trainers may cache by key forever.
 */
export async function storeDataset(store: BlobStore, dataset: PreparedDataset): Promise<string> {
  const body = JSON.stringify(dataset);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const key = `datasets/${hex}.json`;
  if (!(await store.has(key))) await store.put(key, body);
  return key;
}
