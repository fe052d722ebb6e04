/** The coordinator Worker: signed webhooks start sweeps, clients poll and cancel them. */
import { Hono } from "hono";
import { notFound, onError } from "../../lib/http-errors.js";
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

export default app;
export { SweepObject } from "./sweep-object.js";
