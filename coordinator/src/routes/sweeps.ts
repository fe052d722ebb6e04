import { Hono } from "hono";
import { requireBearer, tokenList } from "../../../lib/bearer.js";
import { apiError, methodNotAllowed } from "../../../lib/http-errors.js";
import type { Env } from "../env.js";

export const SWEEP_ID = /^sw_[0-9a-f]{32}$/;

export const sweeps = new Hono<{ Bindings: Env }>();

sweeps.use("*", requireBearer((env: Env) => tokenList(env.API_TOKENS, env.API_TOKEN), "API"));

function stubFor(env: Env, id: string) {
  if (!SWEEP_ID.test(id)) throw apiError(400, "invalid_id", `sweep id "${id}" is malformed: expected sw_ followed by 32 hex digits`);
  return env.SWEEPS.get(env.SWEEPS.idFromName(id));
}

sweeps.get("/:id", async (c) => {
  const id = c.req.param("id");
  const json = await stubFor(c.env, id).viewJson();
  if (json === null) throw apiError(404, "not_found", `no sweep with id ${id}`);
  return c.body(json, 200, { "content-type": "application/json" });
});

sweeps.post("/:id/cancel", async (c) => {
  const id = c.req.param("id");
  const view = await stubFor(c.env, id).cancel();
  if (!view) throw apiError(404, "not_found", `no sweep with id ${id}`);
  return c.json(view);
});

sweeps.all("/:id", methodNotAllowed("GET"));
sweeps.all("/:id/cancel", methodNotAllowed("POST"));
