/**
 * Datasets and checkpoints. On Cloudflare both Workers bind the R2 bucket. Locally, several
 * runtimes must not share one persist directory (concurrent R2 writes are lost), so in the pool
 * one storage runtime owns the bucket and the coordinator and trainers reach it through its
 * internal blob routes (BLOB_URL).
 */
import { fetchWithReconnect } from "./fetch-retry.js";

export interface BlobStore {
  get(key: string): Promise<Uint8Array | null>;
  has(key: string): Promise<boolean>;
  put(key: string, body: Uint8Array | string): Promise<void>;
}

/** The bindings that say where blobs live: an R2 bucket, or the origin of a runtime that owns one. */
export interface BlobBindings {
  BUCKET?: R2Bucket;
  BLOB_URL?: string;
  INTERNAL_TOKEN: string;
}

/** The bound bucket when there is one, else the blob routes at BLOB_URL. */
export function blobStoreFor(env: BlobBindings): BlobStore {
  if (env.BUCKET) return r2BlobStore(env.BUCKET);
  if (env.BLOB_URL) return httpBlobStore(env.BLOB_URL, env.INTERNAL_TOKEN);
  throw new Error("neither a BUCKET binding nor BLOB_URL is configured: blobs have nowhere to live");
}

export function r2BlobStore(bucket: R2Bucket): BlobStore {
  return {
    async get(key) {
      const object = await bucket.get(key);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    async has(key) {
      return (await bucket.head(key)) !== null;
    },
    async put(key, body) {
      await bucket.put(key, body);
    },
  };
}

export function httpBlobStore(baseUrl: string, token: string): BlobStore {
  const url = (key: string) => `${baseUrl.replace(/\/$/, "")}/internal/blobs/${key.split("/").map(encodeURIComponent).join("/")}`;
  const headers = { authorization: `Bearer ${token}` };
  return {
    async get(key) {
      const res = await fetchWithReconnect(url(key), { headers }, { tries: 3 });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`blob GET ${key}: HTTP ${res.status} ${await res.text()}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    async has(key) {
      const res = await fetchWithReconnect(url(key), { method: "HEAD", headers }, { tries: 3 });
      if (res.status === 404) return false;
      if (!res.ok) throw new Error(`blob HEAD ${key}: HTTP ${res.status}`);
      return true;
    },
    async put(key, body) {
      const res = await fetchWithReconnect(url(key), { method: "PUT", headers, body }, { tries: 3 });
      if (!res.ok) throw new Error(`blob PUT ${key}: HTTP ${res.status} ${await res.text()}`);
    },
  };
}

export const checkpointKey = (sweepId: string, trainingId: string, epoch: number) =>
  `checkpoints/${sweepId}/${trainingId}/epoch-${String(epoch).padStart(4, "0")}.ckpt`;
