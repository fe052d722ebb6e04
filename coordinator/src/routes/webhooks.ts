import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { fieldErrors } from "../../../core/request-errors.js";
import { prepareDataset, SeriesError, stepsPerEpoch } from "../../../core/series.js";
import { sweepRequestSchema, trainingStateProblem } from "../../../core/sweep-request.js";
import { blobStoreFor } from "../../../lib/blob-store.js";
import { apiError, methodNotAllowed } from "../../../lib/http-errors.js";
import { callbackUrlProblem } from "../callbacks.js";
import { storeDataset } from "../dataset-store.js";
import type { Env } from "../env.js";
import { resolveSeries } from "../series-source.js";
import { verifyWebhook } from "../webhook-signature.js";

export const webhooks = new Hono<{ Bindings: Env; Variables: { rawBody: string } }>();

/**
 * The sweep id is derived from the delivery's `webhook-id`, so a redelivered message (senders retry)
 * finds the sweep it already started: 200 with the same id, no new work.
 */
async function sweepIdForDelivery(webhookId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`webhook-id:${webhookId}`));
  return `sw_${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 32)}`;
}

const accepted = (id: string, status: string) => ({ id, status, links: { self: `/sweeps/${id}` } });

/** Large enough for a CSV of the longest series allowed (100 000 rows of ~60 bytes). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** An oversized body is read and discarded up to this much before the 413, so the client sees the answer. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;
const tooLarge = () => apiError(413, "body_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes (limit bodySize)`);
const streamedLimit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw tooLarge(); } });

/**
 * Rejects bodies over MAX_BODY_BYTES with 413. When Content-Length already says so, the body is
 * drained first: answering before reading it makes the runtime reset the connection, and most
 * HTTP clients then report the reset instead of the 413. Bodies without a length are counted as
 * they stream (hono's bodyLimit).
 */
const limitBody: MiddlewareHandler = async (c, next) => {
  const declared = Number(c.req.header("content-length"));
  if (!Number.isFinite(declared)) return streamedLimit(c, next);
  if (declared > MAX_BODY_BYTES) {
    const reader = c.req.raw.body?.getReader();
    for (let read = 0; reader && read < DRAIN_LIMIT_BYTES; ) {
      const chunk = await reader.read();
      if (chunk.done) break;
      read += chunk.value.byteLength;
    }
    await reader?.cancel();
    throw tooLarge();
  }
  await next();
};

/** Starts a sweep. The body is only read after its size is checked and its signature verified. */
webhooks.post("/sweeps", limitBody, verifyWebhook, async (c) => {
  const id = await sweepIdForDelivery(c.req.header("webhook-id")!);
  const stub = c.env.SWEEPS.get(c.env.SWEEPS.idFromName(id));
  c.header("Location", `/sweeps/${id}`);
  const existing = await stub.view();
  if (existing) return c.json(accepted(id, existing.status), 200);

  let body: unknown;
  try {
    body = JSON.parse(c.get("rawBody"));
  } catch (err) {
    throw apiError(400, "invalid_json", `body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = sweepRequestSchema.safeParse(body);
  if (!parsed.success) {
    const details = fieldErrors(parsed.error.issues);
    throw apiError(422, details[0]!.code, details.map((d) => d.message).join("; "), details);
  }
  const request = parsed.data;
  const tooLarge = trainingStateProblem(request);
  if (tooLarge) throw apiError(422, tooLarge.code, tooLarge.message, [tooLarge]);
  if (request.callbackUrl !== undefined) {
    const problem = callbackUrlProblem(request.callbackUrl, c.env);
    if (problem) {
      const message = `callbackUrl: ${problem}`;
      throw apiError(422, "invalid_callback_url", message, [{ path: "callbackUrl", code: "invalid_callback_url", message }]);
    }
  }
  let dataset;
  try {
    dataset = prepareDataset(resolveSeries(request.series), {
      lookback: request.model.lookback,
      validationFraction: request.training.validationFraction,
    });
  } catch (err) {
    if (err instanceof SeriesError) {
      const message = `${err.field}: ${err.message}`;
      throw apiError(422, err.code, message, [{ path: err.field, code: err.code, message }]);
    }
    throw err;
  }
  const key = await storeDataset(blobStoreFor(c.env), dataset);
  const { created, view } = await stub.create({
    id,
    request,
    dataset: {
      key,
      seriesLength: dataset.values.length,
      trainWindows: dataset.trainWindows,
      valWindows: dataset.valWindows,
      stepsPerEpoch: stepsPerEpoch(dataset, request.training.batchSize),
      baselineValLoss: dataset.baselineValLoss,
    },
  });
  return c.json(accepted(id, view.status), created ? 202 : 200);
});

webhooks.all("/sweeps", methodNotAllowed("POST"));
