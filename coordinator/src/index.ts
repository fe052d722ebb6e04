/** The coordinator Worker: signed webhooks start sweeps, clients poll and cancel them. */
import { Hono } from "hono";
import { notFound, onError } from "../../lib/http-errors.js";
import type { SliceRequest } from "../../core/contract.js";
import type { Env } from "./env.js";
import { internalBlobs } from "./routes/internal-blobs.js";
import { sweeps } from "./routes/sweeps.js";
import { webhooks } from "./routes/webhooks.js";

const app = new Hono<{ Bindings: Env }>();
app.onError(onError);
app.notFound(notFound);

app.get("/healthz", (c) => c.json({ ok: true, service: "coordinator" }));
app.route("/webhooks", webhooks);
app.route("/sweeps", sweeps);
app.route("/internal/blobs", internalBlobs);

/**
 * Dead-letter consumer (queue mode): a slice whose deliveries were all used up fails its training
 * with the reason; the sweep goes on. Repeats are harmless (only the current slice is affected).
 */
async function deadLetters(batch: MessageBatch<SliceRequest>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const slice = message.body;
    const stub = env.SWEEPS.get(env.SWEEPS.idFromName(slice.sweepId));
    await stub.sliceFailed(slice.trainingId, slice.epochs.from, `dead-lettered: every delivery of the slice failed (${batch.queue})`, { final: true });
    message.ack();
  }
}

export default {
  fetch: app.fetch,
  queue: deadLetters,
} satisfies ExportedHandler<Env, SliceRequest>;
export { SweepObject } from "./sweep-object.js";
