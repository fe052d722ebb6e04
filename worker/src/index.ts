/**
 * The trainer Worker: stateless. A slice arrives by HTTP (pool mode: POST /slices answers with the
 * result) or as a queue message (queue mode: the result is reported to the sweep's Durable Object
 * by RPC). Either way the state to resume from lives in the blob store, never in the isolate.
 */
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { sliceRequestSchema, type SliceRequest } from "../../core/contract.js";
import { requireBearer, tokenList } from "../../lib/bearer.js";
import { blobStoreFor } from "../../lib/blob-store.js";
import { apiError, issueList, notFound, onError } from "../../lib/http-errors.js";
import type { TrainerEnv } from "./env.js";
import { faultFor, parseFaults, sleep } from "./faults.js";
import { runSlice, SliceInputError } from "./run-slice.js";
import { provideLstmModule } from "./lstm-kernel.js";
import { provideWasmModule } from "./tf.js";
import { lstmModule, loadSimdModule } from "./wasm-module.js";

provideWasmModule(loadSimdModule);
provideLstmModule(lstmModule);

const app = new Hono<{ Bindings: TrainerEnv }>();
app.onError(onError);
app.notFound(notFound);

app.get("/healthz", (c) => c.json({ ok: true, service: "trainer" }));

app.post(
  "/slices",
  requireBearer((env: TrainerEnv) => tokenList(env.INTERNAL_TOKEN), "internal"),
  zValidator("json", sliceRequestSchema, (result) => {
    if (!result.success) throw apiError(422, "invalid_slice", "invalid slice request", issueList(result.error.issues));
  }),
  async (c) => {
    const slice = c.req.valid("json");
    const fault = faultFor(parseFaults(c.env.FAULTS), slice, 1);
    if (fault === "fail") throw new Error(`injected fault: fail (${slice.trainingId} from epoch ${slice.epochs.from})`);
    if (fault === "hang") await sleep(parseFaults(c.env.FAULTS)!.hangMs);
    const result = await runSlice(slice, blobStoreFor(c.env)).catch((err: unknown) => {
      if (err instanceof SliceInputError) throw apiError(409, err.code, err.message);
      throw err;
    });
    return c.json(result);
  },
);

/** Queue mode: one slice per message; at-least-once, so the coordinator ignores repeats. */
async function consume(message: Message<unknown>, env: TrainerEnv): Promise<void> {
  const parsed = sliceRequestSchema.safeParse(message.body);
  if (!parsed.success) {
    console.error(`dropping malformed slice message ${message.id}: ${parsed.error.message}`);
    message.ack();
    return;
  }
  const slice: SliceRequest = parsed.data;
  if (!env.SWEEPS) throw new Error("queue mode needs the SWEEPS Durable Object binding");
  const sweep = env.SWEEPS.get(env.SWEEPS.idFromName(slice.sweepId));
  const faults = parseFaults(env.FAULTS);
  const fault = faultFor(faults, slice, message.attempts);
  try {
    if (fault === "fail") throw new Error(`injected fault: fail (${slice.trainingId} from epoch ${slice.epochs.from})`);
    if (fault === "hang") await sleep(faults!.hangMs);
    const result = await runSlice(slice, blobStoreFor(env));
    await sweep.acceptSlice(result);
    if (fault === "duplicate") await sweep.acceptSlice(result);
    message.ack();
  } catch (err) {
    if (err instanceof SliceInputError) {
      await sweep.sliceFailed(slice.trainingId, slice.epochs.from, err.message, { final: true });
      message.ack();
      return;
    }
    console.warn(`slice ${slice.trainingId} epochs ${slice.epochs.from}-${slice.epochs.to} delivery ${message.attempts}: ${String(err)}`);
    message.retry({ delaySeconds: Math.min(60, 2 ** (message.attempts - 1)) });
  }
}

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch<unknown>, env: TrainerEnv): Promise<void> {
    for (const message of batch.messages) await consume(message, env);
  },
} satisfies ExportedHandler<TrainerEnv>;
