/**
 * Hostile and dirty input against the real local stack: the named bad-input corpus
 * (test/bad-inputs/cases.json), property-based fuzzing, secret rotation, and signed completion
 * callbacks. Nothing may answer 5xx, and nothing invalid may create a sweep.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook } from "../../scripts/client.js";
import { freePort, startLocalStack, type LocalStack } from "../../scripts/local-stack.js";
import { clientFor } from "../support/sweeps.js";

interface BadInputCase {
  name: string;
  route: "webhook" | "get" | "cancel";
  body?: unknown;
  rawBody?: string;
  generate?: "series-over-limit" | "body-over-limit";
  signing?: "valid" | "none" | "wrong-secret" | "reserialised" | "stale" | "future" | "bad-timestamp" | "v2" | "no-id";
  auth?: "valid" | "none" | "empty" | "wrong" | "basic";
  sweep?: string;
  expect: { status: number; code: string };
}

const corpus = JSON.parse(readFileSync("test/bad-inputs/cases.json", "utf8")) as { valid: Record<string, unknown>; cases: BadInputCase[] };
const OLD_SECRET = "whsec_b2xkLXJvdGF0ZWQtc2VjcmV0LWZvci10ZXN0cw==";
const OTHER_SECRET = "whsec_bm90LW91ci1zZWNyZXQtYXQtYWxsLTMyYnl0ZXM=";
const SECOND_TOKEN = "second-api-token";

let stack: LocalStack;
let existingId: string;
const accepted: string[] = [];

/** The sweep id the coordinator derives from a delivery's webhook-id. */
const sweepIdFor = (webhookId: string) => `sw_${createHash("sha256").update(`webhook-id:${webhookId}`).digest("hex").slice(0, 32)}`;

beforeAll(async () => {
  stack = await startLocalStack({
    trainers: 1,
    port: 0,
    vars: { WEBHOOK_SECRETS: OLD_SECRET, API_TOKENS: SECOND_TOKEN, CALLBACK_BACKOFF_MS: "200", RETRY_BACKOFF_MS: "100" },
  });
  existingId = (await clientFor(stack).submit(corpus.valid)).id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function bodyText(c: BadInputCase): string {
  if (c.generate === "series-over-limit") {
    return JSON.stringify({ ...corpus.valid, series: { values: Array.from({ length: 100_001 }, (_, i) => 1 + (i % 3)) } });
  }
  if (c.generate === "body-over-limit") return JSON.stringify({ ...corpus.valid, padding: "x".repeat(8 * 1024 * 1024 + 10) });
  return c.rawBody ?? JSON.stringify(c.body);
}

function webhookHeaders(c: BadInputCase, body: string): { headers: Record<string, string>; sent: string } {
  const secret = stack.secrets.WEBHOOK_SECRET;
  const id = `msg_${crypto.randomUUID()}`;
  switch (c.signing ?? "valid") {
    case "none":
      return { headers: { "content-type": "application/json" }, sent: body };
    case "wrong-secret":
      return { headers: signWebhook(OTHER_SECRET, body, id), sent: body };
    case "reserialised":
      return { headers: signWebhook(secret, body, id), sent: JSON.stringify(JSON.parse(body), null, 1) };
    case "stale":
      return { headers: signWebhook(secret, body, id, new Date(Date.now() - 10 * 60_000)), sent: body };
    case "future":
      return { headers: signWebhook(secret, body, id, new Date(Date.now() + 10 * 60_000)), sent: body };
    case "bad-timestamp":
      return { headers: { ...signWebhook(secret, body, id), "webhook-timestamp": "yesterday" }, sent: body };
    case "v2": {
      const h = signWebhook(secret, body, id);
      return { headers: { ...h, "webhook-signature": h["webhook-signature"]!.replace(/^v1,/, "v2,") }, sent: body };
    }
    case "no-id": {
      const { "webhook-id": _omitted, ...rest } = signWebhook(secret, body, id);
      return { headers: rest, sent: body };
    }
    default:
      return { headers: signWebhook(secret, body, id), sent: body };
  }
}

function authHeader(auth: BadInputCase["auth"]): Record<string, string> {
  if (auth === "none") return {};
  if (auth === "empty") return { authorization: "Bearer " };
  if (auth === "wrong") return { authorization: "Bearer not-the-token" };
  if (auth === "basic") return { authorization: `Basic ${btoa("user:pass")}` };
  return { authorization: `Bearer ${stack.secrets.API_TOKEN}` };
}

async function send(c: BadInputCase): Promise<{ res: Response; webhookId?: string }> {
  if (c.route === "webhook") {
    const { headers, sent } = webhookHeaders(c, bodyText(c));
    const res = await fetch(`${stack.url}/webhooks/sweeps`, { method: "POST", headers, body: sent });
    return { res, ...(headers["webhook-id"] ? { webhookId: headers["webhook-id"] } : {}) };
  }
  const id = c.sweep === "existing" ? existingId : c.sweep!;
  const url = `${stack.url}/sweeps/${id}${c.route === "cancel" ? "/cancel" : ""}`;
  return { res: await fetch(url, { method: c.route === "cancel" ? "POST" : "GET", headers: authHeader(c.auth) }) };
}

describe(`bad-input corpus (${corpus.cases.length} named cases)`, () => {
  it("has at least 40 cases", () => {
    expect(corpus.cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus.cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const { res, webhookId } = await send(c);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect({ status: res.status, code: body.error?.code }).toEqual(c.expect);
    expect(body.error.message.length).toBeGreaterThan(5);
    if (webhookId) {
      // Nothing was created for the rejected delivery.
      const check = await fetch(`${stack.url}/sweeps/${sweepIdFor(webhookId)}`, { headers: authHeader("valid") });
      expect(check.status).toBe(404);
    }
  });
});

describe("secret and token rotation", () => {
  it("accepts webhooks signed with any active secret and reads with any active token", async () => {
    const body = JSON.stringify(corpus.valid);
    const res = await fetch(`${stack.url}/webhooks/sweeps`, { method: "POST", headers: signWebhook(OLD_SECRET, body), body });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    accepted.push(id);
    const read = await fetch(`${stack.url}/sweeps/${id}`, { headers: { authorization: `Bearer ${SECOND_TOKEN}` } });
    expect(read.status).toBe(200);
  });
});

describe("fuzzing", () => {
  const valid = corpus.valid;
  const paths = ["series", "series.values", "model", "model.lookback", "model.units", "model.layers", "model.dropout", "training", "training.epochs",
    "training.optimizer", "training.batchSize", "rates", "followUp", "followUp.strategy", "followUp.topK", "seed", "concurrency", "sliceEpochs", "callbackUrl", "extra"];
  const smallValue = fc.oneof(
    fc.integer({ min: -3, max: 12 }),
    fc.double({ noNaN: true, min: -2, max: 2 }),
    fc.constantFrom(null, true, "", "adam", "both", "none", "sp500", [], {}, [0.01, 0.1], { min: 0.001, max: 0.1, count: 2 }),
    fc.string({ maxLength: 8 }),
  );
  // Accepted sweeps must finish within the test, so size fields only get small values (any value
  // goes elsewhere), and "series" is never deleted (that falls back to the 5 000-point built-in series).
  const sizeFields = new Set(["model.lookback", "model.units", "model.layers", "training.epochs", "training.batchSize", "followUp.topK", "concurrency", "sliceEpochs"]);
  const mutation = fc
    .record({ path: fc.constantFrom(...paths), op: fc.constantFrom("set", "delete"), small: smallValue, any: fc.anything() })
    .filter((m) => !(m.op === "delete" && m.path === "series"))
    .map((m) => ({ path: m.path, op: m.op, value: sizeFields.has(m.path) ? m.small : m.any }));
  const topLevel = new Set(["series", "seed", "model", "training", "rates", "followUp", "concurrency", "sliceEpochs", "callbackUrl"]);
  const isValidShapedObject = (v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).every((k) => topLevel.has(k));

  function mutate(base: Record<string, unknown>, changes: Array<{ path: string; op: string; value: unknown }>): unknown {
    const copy = structuredClone(base) as Record<string, any>;
    for (const { path, op, value } of changes) {
      const keys = path.split(".");
      let node = copy;
      for (const k of keys.slice(0, -1)) {
        if (typeof node[k] !== "object" || node[k] === null || Array.isArray(node[k])) node[k] = {};
        node = node[k];
      }
      if (op === "delete") delete node[keys.at(-1)!];
      else node[keys.at(-1)!] = value;
    }
    return copy;
  }

  it("never answers 5xx, creates nothing from a rejected request, and finishes every accepted sweep", async () => {
    const statuses: Record<number, number> = {};
    let runs = 0;
    const property = fc.asyncProperty(
      fc.oneof(
        { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((m) => JSON.stringify(mutate(valid, m))) },
        { weight: 1, arbitrary: fc.anything().filter((v) => !isValidShapedObject(v)).map((v) => JSON.stringify(v) ?? "undefined") },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      ),
      async (body) => {
        runs++;
        const headers = signWebhook(stack.secrets.WEBHOOK_SECRET, body);
        const res = await fetch(`${stack.url}/webhooks/sweeps`, { method: "POST", headers, body });
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const payload = (await res.json()) as { id?: string; error?: { code: string } };
        expect(res.status).toBeLessThan(500);
        if (res.status === 202) {
          accepted.push(payload.id!);
        } else {
          expect([400, 413, 422]).toContain(res.status);
          expect(payload.error?.code).toMatch(/^[a-z_]+$/);
          const check = await fetch(`${stack.url}/sweeps/${sweepIdFor(headers["webhook-id"]!)}`, { headers: authHeader("valid") });
          expect(check.status).toBe(404);
        }
      },
    );
    await fc.assert(property, { numRuns: 150, seed: 20261203 });
    const client = clientFor(stack);
    const finished = await Promise.all(accepted.map((id) => client.waitForFinish(id, { intervalMs: 300, timeoutMs: 180_000 })));
    console.log(`fuzz: ${runs} generated inputs, answers by status ${JSON.stringify(statuses)}, ${accepted.length} accepted sweeps all finished`);
    for (const view of finished) expect(["succeeded", "failed", "cancelled"]).toContain(view.status);
  }, 300_000);
});

describe("completion callbacks", () => {
  let server: Server;
  let url: string;
  const received: Array<{ headers: IncomingMessage["headers"]; body: string }> = [];
  let failFirst = true;

  beforeAll(async () => {
    const port = await freePort();
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        // The first delivery fails, so a retry must follow.
        res.statusCode = failFirst ? 503 : 204;
        failFirst = false;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    url = `http://127.0.0.1:${port}/hooks/sweeps`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("POSTs a signed sweep.succeeded event, retries after a failure, and records every attempt", async () => {
    const client = clientFor(stack);
    const { id } = await client.submit({ ...corpus.valid, callbackUrl: url });
    await client.waitForFinish(id, { intervalMs: 200 });
    let view = await client.get(id);
    for (let i = 0; i < 50 && view.callback?.state === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      view = await client.get(id);
    }
    expect(view.callback).toMatchObject({ url, event: "sweep.succeeded", state: "delivered" });
    expect(view.callback!.attempts.map((a) => [a.attempt, a.httpStatus, a.error])).toEqual([
      [1, 503, "HTTP 503"],
      [2, 204, null],
    ]);
    const delivery = received.find((r) => JSON.parse(r.body).data.id === id && r === received.at(-1))!;
    const verified = new Webhook(stack.secrets.CALLBACK_SECRET!).verify(delivery.body, delivery.headers as Record<string, string>) as {
      type: string;
      data: { id: string; status: string; best: { trainingId: string } };
    };
    expect(verified.type).toBe("sweep.succeeded");
    expect(verified.data).toMatchObject({ id, status: "succeeded", best: { trainingId: view.best!.trainingId } });
    expect(delivery.headers["webhook-id"]).toBe(`${id}.sweep.succeeded`);
  });

  it("sends sweep.cancelled when a sweep is cancelled", async () => {
    const client = clientFor(stack);
    const { id } = await client.submit({ ...corpus.valid, training: { epochs: 200 }, sliceEpochs: 1, callbackUrl: url });
    await client.cancel(id);
    let view = await client.get(id);
    for (let i = 0; i < 50 && view.callback?.state !== "delivered"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      view = await client.get(id);
    }
    expect(view.callback).toMatchObject({ event: "sweep.cancelled", state: "delivered" });
    expect(received.some((r) => JSON.parse(r.body).type === "sweep.cancelled" && JSON.parse(r.body).data.id === id)).toBe(true);
  });
});
