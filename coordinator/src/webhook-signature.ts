import type { MiddlewareHandler } from "hono";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { apiError } from "../../lib/http-errors.js";
import type { Env } from "./env.js";

/**
 * Verifies the Standard Webhooks signature over the raw request body before anything parses it.
 * The verified text is stored as `rawBody` for the route.
 */
export const verifyWebhook: MiddlewareHandler<{ Bindings: Env; Variables: { rawBody: string } }> = async (c, next) => {
  if (!c.env.WEBHOOK_SECRET) throw apiError(500, "misconfigured", "WEBHOOK_SECRET is not configured");
  const headers = {
    "webhook-id": c.req.header("webhook-id") ?? "",
    "webhook-timestamp": c.req.header("webhook-timestamp") ?? "",
    "webhook-signature": c.req.header("webhook-signature") ?? "",
  };
  const missing = Object.entries(headers).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) throw apiError(401, "invalid_signature", `missing webhook headers: ${missing.join(", ")}`);
  const body = await c.req.text();
  try {
    // jsonParse off: parsing is the route's job, and a parse error here would surface as a 500.
    new Webhook(c.env.WEBHOOK_SECRET).verify(body, headers, { jsonParse: false });
  } catch (err) {
    if (err instanceof WebhookVerificationError) throw apiError(401, "invalid_signature", `webhook signature rejected: ${err.message}`);
    throw err;
  }
  c.set("rawBody", body);
  await next();
};
