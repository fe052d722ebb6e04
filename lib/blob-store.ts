/**
 * Datasets and checkpoints. On Cloudflare both Workers bind the R2 bucket. Locally, several
 * trainer runtimes must not share one persist directory (concurrent R2 writes are lost), so pool
 * trainers reach the coordinator's bucket through its internal blob routes instead.
 */
export interface BlobStore {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, body: Uint8Array | string): Promise<void>;
}

export function r2BlobStore(bucket: R2Bucket): BlobStore {
  return {
    async get(key) {
      const object = await bucket.get(key);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
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
      const res = await fetch(url(key), { headers });
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`blob GET ${key}: HTTP ${res.status} ${await res.text()}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    async put(key, body) {
      const res = await fetch(url(key), { method: "PUT", headers, body });
      if (!res.ok) throw new Error(`blob PUT ${key}: HTTP ${res.status} ${await res.text()}`);
    },
  };
}

export const checkpointKey = (sweepId: string, trainingId: string, epoch: number) =>
  `checkpoints/${sweepId}/${trainingId}/epoch-${String(epoch).padStart(4, "0")}.ckpt`;
