import { Hono } from "hono";
import { prepareDataset, SeriesError, stepsPerEpoch } from "../../../core/series.js";
import { sweepRequestSchema } from "../../../core/sweep-request.js";
import { apiError, issueList } from "../../../lib/http-errors.js";
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

/** Starts a sweep. The body is only read after its signature is verified. */
webhooks.post("/sweeps", verifyWebhook, async (c) => {
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
    const details = issueList(parsed.error.issues);
    throw apiError(422, "invalid_request", details.map((d) => `${d.path}: ${d.message}`).join("; "), details);
  }
  const request = parsed.data;
  let dataset;
  try {
    dataset = prepareDataset(resolveSeries(request.series), {
      lookback: request.model.lookback,
      validationFraction: request.training.validationFraction,
    });
  } catch (err) {
    if (err instanceof SeriesError) {
      throw apiError(422, "invalid_series", `${err.field}: ${err.message}`, [{ path: err.field, message: err.message }]);
    }
    throw err;
  }
  const key = await storeDataset(c.env.BUCKET, dataset);
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
