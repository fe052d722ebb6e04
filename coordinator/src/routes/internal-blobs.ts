import { Hono } from "hono";
import { requireBearer, tokenList } from "../../../lib/bearer.js";
import { blobStoreFor } from "../../../lib/blob-store.js";
import { apiError } from "../../../lib/http-errors.js";
import type { Env } from "../env.js";

/**
 * The bucket as seen by local pool runtimes without an R2 binding of their own (one runtime owns
 * storage locally). Only datasets/ and checkpoints/ keys; internal token required.
 */
export const internalBlobs = new Hono<{ Bindings: Env }>();

internalBlobs.use("*", requireBearer((env: Env) => tokenList(env.INTERNAL_TOKEN), "internal"));

const blobKey = (path: string) => {
  let key: string;
  try {
    key = decodeURIComponent(path.replace(/^\/internal\/blobs\//, ""));
  } catch {
    throw apiError(400, "invalid_key", `blob path "${path}" is not valid percent-encoding`);
  }
  if (!/^(datasets|checkpoints)\/[\w./-]+$/.test(key) || key.includes("..")) {
    throw apiError(400, "invalid_key", `blob key "${key}" is not a datasets/ or checkpoints/ key`);
  }
  return key;
};

internalBlobs.get("/*", async (c) => {
  const key = blobKey(c.req.path);
  const bytes = await blobStoreFor(c.env).get(key);
  if (!bytes) throw apiError(404, "not_found", `no blob ${key}`);
  return new Response(bytes, { headers: { "content-type": "application/octet-stream" } });
});

internalBlobs.put("/*", async (c) => {
  const key = blobKey(c.req.path);
  await blobStoreFor(c.env).put(key, new Uint8Array(await c.req.arrayBuffer()));
  return c.body(null, 204);
});
