import type { MiddlewareHandler } from "hono";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { apiError } from "../../lib/http-errors.js";
import type { Env } from "./env.js";

/** Every active signing secret: WEBHOOK_SECRETS (comma-separated, for rotation) and WEBHOOK_SECRET. */
export function webhookSecrets(env: Pick<Env, "WEBHOOK_SECRETS" | "WEBHOOK_SECRET">): string[] {
  return [...(env.WEBHOOK_SECRETS ?? "").split(","), env.WEBHOOK_SECRET ?? ""].map((s) => s.trim()).filter(Boolean);
}

/**
 * Verifies the Standard Webhooks signature over the raw request body before anything parses it,
 * against each active secret (the library compares in constant time and rejects timestamps more
 * than 5 minutes away, i.e. replays). The verified text is stored as `rawBody` for the route.
 */
export const verifyWebhook: MiddlewareHandler<{ Bindings: Env; Variables: { rawBody: string } }> = async (c, next) => {
  const secrets = webhookSecrets(c.env);
  if (secrets.length === 0) throw apiError(500, "misconfigured", "no webhook secret is configured (WEBHOOK_SECRETS)");
  const headers = {
    "webhook-id": c.req.header("webhook-id") ?? "",
    "webhook-timestamp": c.req.header("webhook-timestamp") ?? "",
    "webhook-signature": c.req.header("webhook-signature") ?? "",
  };
  const missing = Object.entries(headers).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) throw apiError(401, "invalid_signature", `missing webhook headers: ${missing.join(", ")}`);
  const body = await c.req.text();
  let lastError = "";
  const verified = secrets.some((secret) => {
    try {
      // jsonParse off: parsing is the route's job, and a parse error here would surface as a 500.
      new Webhook(secret).verify(body, headers, { jsonParse: false });
      return true;
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      if (/timestamp too (old|new)/i.test(err.message)) {
        throw apiError(401, "stale_timestamp", `webhook-timestamp is more than 5 minutes from the server's clock (${err.message}); replays are rejected`);
      }
      lastError = err.message;
      return false;
    }
  });
  if (!verified) throw apiError(401, "invalid_signature", `webhook signature rejected: ${lastError}`);
  c.set("rawBody", body);
  await next();
};
