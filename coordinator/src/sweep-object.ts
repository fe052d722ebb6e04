/**
 * One Durable Object per sweep. It owns the sweep's state in its SQLite storage (sweep, trainings,
 * per-epoch points), decides what runs next (policy from core/plan.ts) and dispatches slices; it
 * never trains. Each training has at most one slice out at a time, tracked in storage (dispatched,
 * lease deadline, failed attempts), so an evicted or restarted object resumes from storage alone.
 * Alarms drive progress: every alarm first re-arms a watchdog alarm. State is persisted before it
 * is announced: a slice is marked dispatched before it is sent.
 *
 * Two dispatch modes (env DISPATCH): `pool` sends slices over HTTP to trainer runtimes and awaits
 * them inside the alarm, bounded by p-limit; `queue` sends them to a Cloudflare Queue whose
 * consumers report back through acceptSlice / sliceFailed. Both keep at most `concurrency`
 * slices of the sweep in flight.
 */
import { DurableObject } from "cloudflare:workers";
import pLimit from "p-limit";
import type { SliceRequest, SliceResult } from "../../core/contract.js";
import { nextSliceEpochs, pickBest, planFollowUp, planGrid, sliceResultApplies, type PlannedTraining } from "../../core/plan.js";
import { deriveSeed } from "../../core/random.js";
import type { SweepRequest } from "../../core/sweep-request.js";
import { FINISHED_SWEEP, FINISHED_TRAINING } from "../../core/vocabulary.js";
import { CALLBACK_TRIES, deliverCallback } from "./callbacks.js";
import { poolDispatcher, type Dispatcher } from "./dispatch/pool.js";
import type { Env } from "./env.js";
import { sliceBudget } from "./slice-budget.js";
import {
  buildView,
  followUpEpochs,
  type DatasetSummary,
  type PointRow,
  type CallbackAttemptRow,
  type SweepRow,
  type SweepView,
  type TrainingRow,
} from "./sweep-view.js";

const WATCHDOG_MS = 60_000;
/** A pool alarm stops starting slices after this long and hands over to the next alarm. */
const PUMP_BUDGET_MS = 10 * 60_000;
export const SLICE_TRIES = 3;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sweep (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  request TEXT NOT NULL, dataset TEXT NOT NULL, follow_up_planned INTEGER NOT NULL DEFAULT 0, error TEXT,
  callback_event TEXT, callback_state TEXT, callback_attempts INTEGER NOT NULL DEFAULT 0, callback_next_at INTEGER
);
CREATE TABLE IF NOT EXISTS callback_attempts (
  attempt INTEGER PRIMARY KEY, event TEXT NOT NULL, at TEXT NOT NULL, http_status INTEGER, error TEXT
);
CREATE TABLE IF NOT EXISTS trainings (
  id TEXT PRIMARY KEY, ord INTEGER NOT NULL, round INTEGER NOT NULL, role TEXT NOT NULL, parent_id TEXT,
  learning_rate REAL NOT NULL, schedule TEXT NOT NULL, seed INTEGER NOT NULL, epochs INTEGER NOT NULL,
  status TEXT NOT NULL, epochs_done INTEGER NOT NULL DEFAULT 0, checkpoint_key TEXT,
  best_val_loss REAL, best_epoch INTEGER, diverged_epoch INTEGER, error TEXT,
  slice_state TEXT NOT NULL DEFAULT 'idle', slice_from INTEGER, slice_attempt INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER, retry_at INTEGER, ms_per_epoch REAL,
  slices INTEGER NOT NULL DEFAULT 0, cpu_ms INTEGER NOT NULL DEFAULT 0, ignored_results INTEGER NOT NULL DEFAULT 0,
  backend TEXT
);
CREATE TABLE IF NOT EXISTS points (
  training_id TEXT NOT NULL, epoch INTEGER NOT NULL, loss REAL, val_loss REAL, learning_rate REAL NOT NULL,
  PRIMARY KEY (training_id, epoch)
);`;

export interface CreateSweep {
  id: string;
  request: SweepRequest;
  dataset: DatasetSummary;
}

export class SweepObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private pumping = false;
  /** The last view, serialised; every write clears it, so polls of an unchanged sweep cost no rebuild. */
  private viewCache: string | null = null;
  /** Wakes a waiting pool pump early (after a cancel), so that it need not wait for a slice to return. */
  private nudgePump: (() => void) | null = null;
  private dispatcherInstance: Dispatcher | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    // A new instance of an unfinished sweep means the previous one was evicted or its runtime
    // restarted, taking its pool calls with it: resume now rather than at the watchdog alarm.
    // Re-running the alarm is always safe.
    ctx.blockConcurrencyWhile(async () => {
      const sweep = this.sweepRow();
      if (sweep && !FINISHED_SWEEP.has(sweep.status)) await ctx.storage.setAlarm(Date.now());
    });
  }

  /** Called by the webhook route. Idempotent: a second call for the same id changes nothing. */
  async create(init: CreateSweep): Promise<{ created: boolean; view: SweepView }> {
    const created = !this.sweepRow();
    if (created) {
      const now = new Date().toISOString();
      this.ctx.storage.transactionSync(() => {
        this.write(
          "INSERT INTO sweep (id, status, created_at, updated_at, request, dataset) VALUES (?, 'queued', ?, ?, ?, ?)",
          init.id,
          now,
          now,
          JSON.stringify(init.request),
          JSON.stringify(init.dataset),
        );
        this.insertTrainings(planGrid(init.request), init.request.seed);
      });
      await this.ctx.storage.setAlarm(Date.now());
    }
    return { created, view: this.view()! };
  }

  /** Called by GET /sweeps/:id. Read-only; the view as JSON text, or null when no sweep lives here. */
  viewJson(): string | null {
    if (this.viewCache === null) {
      const view = this.view();
      if (!view) return null;
      this.viewCache = JSON.stringify(view);
    }
    return this.viewCache;
  }

  /** The sweep's current view (built from storage); null when no sweep lives here. */
  view(): SweepView | null {
    const sweep = this.sweepRow();
    if (!sweep) return null;
    const trainings = this.sql.exec<TrainingRow>("SELECT * FROM trainings ORDER BY ord").toArray();
    const points = this.sql.exec<PointRow>("SELECT * FROM points").toArray();
    const callbacks = this.sql.exec<CallbackAttemptRow>("SELECT * FROM callback_attempts ORDER BY attempt").toArray();
    return buildView(sweep, trainings, points, callbacks);
  }

  /** Called by POST /sweeps/:id/cancel. Idempotent; a finished sweep is left as it is. */
  async cancel(): Promise<SweepView | null> {
    const sweep = this.sweepRow();
    if (!sweep) return null;
    if (!FINISHED_SWEEP.has(sweep.status)) {
      this.ctx.storage.transactionSync(() => {
        this.write("UPDATE trainings SET status = 'cancelled', slice_state = 'idle' WHERE status IN ('queued', 'running')");
        this.setSweepStatus("cancelled");
      });
      // The alarm now only delivers the sweep.cancelled callback, if there is one.
      await this.ctx.storage.setAlarm(Date.now());
      this.nudgePump?.();
    }
    return this.view();
  }

  /**
   * Called by trainers (queue mode, by RPC) and by the pool driver with a slice's result.
   * Idempotent: a duplicate, a late result after a re-dispatch, or one for a finished training
   * changes nothing but the count of ignored results.
   */
  async acceptSlice(result: SliceResult): Promise<{ applied: boolean }> {
    const applied = this.recordSlice(result);
    if (applied && this.mode() === "queue") await this.dispatchToQueue();
    return { applied };
  }

  /**
   * Called by the pool driver, by trainers on a slice that cannot succeed, and by the dead-letter
   * consumer. Counts a failed attempt of the training's current slice (only if `from` is still its
   * current slice): retried with backoff, or the training fails after SLICE_TRIES or when `final`.
   */
  async sliceFailed(trainingId: string, from: number, reason: string, options: { final?: boolean } = {}): Promise<void> {
    this.recordFailedAttempt(trainingId, from, reason, options.final ?? false);
    if (this.mode() === "queue") await this.dispatchToQueue();
  }

  /** Called by the runtime (at least once per scheduled time). Safe to run again at any point. */
  override async alarm(): Promise<void> {
    const sweep = this.sweepRow();
    if (!sweep) return;
    if (FINISHED_SWEEP.has(sweep.status)) {
      await this.deliverCallback();
      return;
    }
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    if (this.mode() === "queue") {
      await this.dispatchToQueue();
      return;
    }
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.pumpPool();
    } finally {
      this.pumping = false;
    }
    if (FINISHED_SWEEP.has(this.sweepRow()!.status)) await this.deliverCallback();
    else await this.ctx.storage.setAlarm(Date.now());
  }

  /** Delivers the pending completion callback when due; re-arms the alarm for a retry, or clears it. */
  private async deliverCallback(): Promise<void> {
    const sweep = this.sweepRow()!;
    const request = JSON.parse(sweep.request) as SweepRequest;
    if (sweep.callback_state !== "pending" || !request.callbackUrl) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    if ((sweep.callback_next_at ?? 0) > Date.now()) {
      await this.ctx.storage.setAlarm(sweep.callback_next_at!);
      return;
    }
    const view = this.view()!;
    const secret = this.env.CALLBACK_SECRET;
    const outcome = secret
      ? await deliverCallback({
          url: request.callbackUrl,
          secret,
          messageId: `${sweep.id}.${sweep.callback_event}`,
          payload: {
            type: sweep.callback_event,
            timestamp: new Date().toISOString(),
            data: { id: sweep.id, status: view.status, error: view.error, best: view.best, baseline: view.baseline, links: { self: `/sweeps/${sweep.id}` } },
          },
        })
      : { ok: false, httpStatus: null, error: "CALLBACK_SECRET is not configured: callbacks cannot be signed" };
    const attempt = sweep.callback_attempts + 1;
    const done = outcome.ok || attempt >= CALLBACK_TRIES || !secret;
    const nextAt = Date.now() + Number(this.env.CALLBACK_BACKOFF_MS ?? 2000) * 2 ** (attempt - 1);
    this.ctx.storage.transactionSync(() => {
      this.write(
        "INSERT OR REPLACE INTO callback_attempts (attempt, event, at, http_status, error) VALUES (?, ?, ?, ?, ?)",
        attempt,
        sweep.callback_event,
        new Date().toISOString(),
        outcome.httpStatus,
        outcome.error,
      );
      this.write(
        "UPDATE sweep SET callback_attempts = ?, callback_state = ?, callback_next_at = ?",
        attempt,
        outcome.ok ? "delivered" : done ? "failed" : "pending",
        done ? null : nextAt,
      );
    });
    if (done) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(nextAt);
  }

  // ---- pool mode -------------------------------------------------------------------------------

  /** Keeps up to `concurrency` slices in flight over HTTP until the sweep finishes or the budget runs out. */
  private async pumpPool(): Promise<void> {
    const request = this.request();
    const limit = pLimit(request.concurrency);
    const inFlight = new Map<string, Promise<void>>();
    const deadline = Date.now() + PUMP_BUDGET_MS;
    // Whatever storage says is dispatched was sent by a previous instance (only one pump runs per
    // instance, and this one has sent nothing yet): its HTTP call died with that instance.
    this.write("UPDATE trainings SET slice_state = 'idle', lease_until = NULL WHERE slice_state = 'dispatched'");
    for (;;) {
      this.advance();
      if (FINISHED_SWEEP.has(this.sweepRow()!.status)) return;
      if (Date.now() < deadline) {
        for (const t of this.claimable()) {
          if (!inFlight.has(t.id)) inFlight.set(t.id, limit(() => this.runPoolSlice(t.id)).finally(() => inFlight.delete(t.id)));
        }
      }
      const wake = this.nextRetryAt();
      if (inFlight.size === 0 && (wake === null || Date.now() >= deadline)) return;
      const timers: Array<Promise<void>> = wake === null ? [] : [new Promise((r) => setTimeout(r, Math.max(0, wake - Date.now())))];
      const nudged = new Promise<void>((r) => (this.nudgePump = r));
      await Promise.race([...inFlight.values(), ...timers, nudged]);
      this.nudgePump = null;
    }
  }

  /** One pool slice: claim (persisted), call a trainer, record the outcome. Never rejects. */
  private async runPoolSlice(trainingId: string): Promise<void> {
    const slice = this.claim(trainingId);
    if (!slice) return;
    const lease = this.training(trainingId)!.lease_until! - Date.now();
    try {
      const result = await this.dispatcher().dispatch(slice, AbortSignal.timeout(lease));
      this.recordSlice(result);
    } catch (err) {
      const reason = err instanceof Error && err.name === "TimeoutError" ? `no result within the ${Math.round(lease / 1000)} s lease` : errorText(err);
      console.warn(`sweep ${slice.sweepId} ${trainingId} epochs ${slice.epochs.from}-${slice.epochs.to} attempt ${slice.attempt}: ${reason}`);
      this.recordFailedAttempt(trainingId, slice.epochs.from, reason, false);
    }
  }

  private dispatcher(): Dispatcher {
    this.dispatcherInstance ??= poolDispatcher(this.env.TRAINER_URLS ?? "", this.env.INTERNAL_TOKEN);
    return this.dispatcherInstance;
  }

  // ---- queue mode ------------------------------------------------------------------------------

  /** Re-dispatches expired leases and sends slices up to `concurrency` in flight; re-arms the alarm for the next deadline. */
  private async dispatchToQueue(): Promise<void> {
    this.expireLeases();
    this.advance();
    const sweep = this.sweepRow()!;
    if (FINISHED_SWEEP.has(sweep.status)) {
      await this.deliverCallback();
      return;
    }
    const capacity = this.request().concurrency - this.countDispatched();
    for (const t of this.claimable().slice(0, Math.max(0, capacity))) {
      const slice = this.claim(t.id);
      if (!slice) continue;
      try {
        await this.env.TRAINING_QUEUE!.send(slice, { contentType: "json" });
      } catch (err) {
        this.recordFailedAttempt(t.id, slice.epochs.from, `could not enqueue: ${errorText(err)}`, false);
      }
    }
    const deadlines = this.sql
      .exec<{ at: number | null }>(
        "SELECT MIN(COALESCE(lease_until, retry_at)) AS at FROM trainings WHERE status IN ('queued', 'running') AND (lease_until IS NOT NULL OR retry_at IS NOT NULL)",
      )
      .one().at;
    await this.ctx.storage.setAlarm(Math.min(deadlines ?? Infinity, Date.now() + WATCHDOG_MS));
  }

  /** Slices dispatched longer ago than their lease count as failed attempts and go out again. */
  private expireLeases(): void {
    const expired = this.sql
      .exec<TrainingRow>("SELECT * FROM trainings WHERE slice_state = 'dispatched' AND lease_until < ?", Date.now())
      .toArray();
    for (const t of expired) {
      console.warn(`sweep ${this.sweepRow()!.id} ${t.id} epochs from ${t.slice_from}: lease expired, dispatching again`);
      this.recordFailedAttempt(t.id, t.slice_from!, "no result before the lease expired", false);
    }
  }

  // ---- shared bookkeeping ----------------------------------------------------------------------

  /** Trainings that may start their next slice now, in order. */
  private claimable(): TrainingRow[] {
    return this.sql
      .exec<TrainingRow>(
        "SELECT * FROM trainings WHERE status IN ('queued', 'running') AND slice_state = 'idle' AND (retry_at IS NULL OR retry_at <= ?) ORDER BY ord",
        Date.now(),
      )
      .toArray();
  }

  private countDispatched(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM trainings WHERE slice_state = 'dispatched'").one().n;
  }

  private nextRetryAt(): number | null {
    return this.sql
      .exec<{ at: number | null }>("SELECT MIN(retry_at) AS at FROM trainings WHERE status IN ('queued', 'running') AND slice_state = 'idle'")
      .one().at;
  }

  /** Marks the training's next slice dispatched (with its lease) and returns the request to send. */
  private claim(trainingId: string): SliceRequest | null {
    const sweep = this.sweepRow()!;
    const training = this.training(trainingId);
    if (!training || FINISHED_TRAINING.has(training.status) || FINISHED_SWEEP.has(sweep.status) || training.slice_state !== "idle") {
      return null;
    }
    const request = JSON.parse(sweep.request) as SweepRequest;
    const budget = sliceBudget({
      cpuLimitMs: Number(this.env.CPU_LIMIT_MS ?? 30_000),
      leaseMinMs: Number(this.env.LEASE_MIN_MS ?? 60_000),
      maxSliceEpochs: request.sliceEpochs,
      msPerEpoch: training.ms_per_epoch,
    });
    const range = nextSliceEpochs({ epochsDone: training.epochs_done, epochs: training.epochs }, budget.sliceEpochs);
    if (!range) return null;
    const leaseUntil = Date.now() + budget.leaseMs;
    this.ctx.storage.transactionSync(() => {
      this.write(
        "UPDATE trainings SET status = 'running', slice_state = 'dispatched', slice_from = ?, lease_until = ?, retry_at = NULL WHERE id = ?",
        range.from,
        leaseUntil,
        trainingId,
      );
      if (sweep.status === "queued") this.setSweepStatus("running");
    });
    const dataset = JSON.parse(sweep.dataset) as DatasetSummary;
    return {
      sweepId: sweep.id,
      trainingId,
      datasetKey: dataset.key,
      model: request.model,
      training: {
        optimizer: request.training.optimizer,
        batchSize: request.training.batchSize,
        seed: training.seed,
        divergenceFactor: request.training.divergenceFactor,
        backend: request.training.backend,
      },
      schedule: JSON.parse(training.schedule),
      epochs: range,
      ...(training.checkpoint_key ? { checkpointKey: training.checkpoint_key } : {}),
      budgetMs: budget.budgetMs,
      attempt: training.slice_attempt + 1,
    };
  }

  /** Stores a slice's points and moves the training on; false when the result no longer applies. */
  private recordSlice(result: SliceResult): boolean {
    let applied = false;
    this.ctx.storage.transactionSync(() => {
      const t = this.training(result.trainingId);
      if (!t) return;
      if (!sliceResultApplies({ status: t.status, epochsDone: t.epochs_done }, result)) {
        this.write("UPDATE trainings SET ignored_results = ignored_results + 1 WHERE id = ?", t.id);
        return;
      }
      applied = true;
      for (const p of result.points) {
        this.write(
          "INSERT OR IGNORE INTO points (training_id, epoch, loss, val_loss, learning_rate) VALUES (?, ?, ?, ?, ?)",
          t.id,
          p.epoch,
          p.loss,
          p.valLoss,
          p.learningRate,
        );
      }
      const best = this.sql
        .exec<{ epoch: number; val_loss: number }>(
          "SELECT epoch, val_loss FROM points WHERE training_id = ? AND val_loss IS NOT NULL ORDER BY val_loss, epoch LIMIT 1",
          t.id,
        )
        .toArray()[0];
      const ran = result.points.length;
      const epochsDone = ran ? result.points[ran - 1]!.epoch : t.epochs_done;
      const status = result.outcome === "diverged" ? "diverged" : epochsDone >= t.epochs ? "succeeded" : "running";
      this.write(
        `UPDATE trainings SET status = ?, epochs_done = ?, checkpoint_key = ?, best_val_loss = ?, best_epoch = ?,
           diverged_epoch = ?, error = NULL, slice_state = 'idle', slice_from = NULL, slice_attempt = 0,
           lease_until = NULL, retry_at = NULL, ms_per_epoch = COALESCE(?, ms_per_epoch),
           slices = slices + 1, cpu_ms = cpu_ms + ?, backend = ? WHERE id = ?`,
        status,
        epochsDone,
        result.checkpointKey ?? t.checkpoint_key,
        best?.val_loss ?? null,
        best?.epoch ?? null,
        result.divergedAtEpoch ?? null,
        ran ? result.cpuMs / ran : null,
        Math.round(result.cpuMs),
        result.backend ?? null,
        t.id,
      );
      this.touch();
    });
    return applied;
  }

  private recordFailedAttempt(trainingId: string, from: number, reason: string, final: boolean): void {
    this.ctx.storage.transactionSync(() => {
      const t = this.training(trainingId);
      if (!t || FINISHED_TRAINING.has(t.status) || t.epochs_done + 1 !== from) return;
      const attempts = t.slice_attempt + 1;
      if (final || attempts >= SLICE_TRIES) {
        const message = final
          ? `slice epochs from ${from} failed: ${reason}`
          : `slice epochs from ${from} failed ${attempts} times; last error: ${reason}`;
        this.write(
          "UPDATE trainings SET status = 'failed', error = ?, slice_state = 'idle', slice_attempt = ?, lease_until = NULL, retry_at = NULL WHERE id = ?",
          message,
          attempts,
          trainingId,
        );
      } else {
        const backoff = Number(this.env.RETRY_BACKOFF_MS ?? 1000) * 2 ** (attempts - 1);
        this.write(
          "UPDATE trainings SET error = ?, slice_state = 'idle', slice_attempt = ?, lease_until = NULL, retry_at = ? WHERE id = ?",
          `attempt ${attempts} failed: ${reason}`,
          attempts,
          Date.now() + backoff,
          trainingId,
        );
      }
      this.touch();
    });
  }

  /** Plans the follow-up round once round 1 is over, and closes the sweep once everything is. */
  private advance(): void {
    this.ctx.storage.transactionSync(() => {
      const sweep = this.sweepRow()!;
      if (FINISHED_SWEEP.has(sweep.status)) return;
      const trainings = this.sql.exec<TrainingRow>("SELECT * FROM trainings ORDER BY ord").toArray();
      if (trainings.some((t) => !FINISHED_TRAINING.has(t.status))) return;
      const request = JSON.parse(sweep.request) as SweepRequest;
      if (!sweep.follow_up_planned) {
        const dataset = JSON.parse(sweep.dataset) as DatasetSummary;
        const outcomes = trainings.map((t) => ({
          id: t.id,
          round: t.round,
          learningRate: t.learning_rate,
          status: t.status,
          bestValLoss: t.best_val_loss,
        }));
        const planned = planFollowUp(outcomes, {
          followUp: request.followUp,
          epochs: followUpEpochs(request),
          stepsPerEpoch: dataset.stepsPerEpoch,
        });
        this.write("UPDATE sweep SET follow_up_planned = 1");
        if (planned.length) {
          this.insertTrainings(planned, deriveSeed(request.seed, "follow-up"), trainings);
          this.touch();
          return;
        }
      }
      const best = pickBest(
        trainings.map((t) => ({ id: t.id, round: t.round, learningRate: t.learning_rate, status: t.status, bestValLoss: t.best_val_loss })),
      );
      if (best) this.setSweepStatus("succeeded");
      else this.setSweepStatus("failed", "no training succeeded: every candidate diverged, failed or was cancelled");
    });
  }

  private insertTrainings(planned: PlannedTraining[], seed: number, existing: TrainingRow[] = []): void {
    const byId = new Map(existing.map((t) => [t.id, t]));
    const offset = existing.length;
    planned.forEach((p, i) => {
      const id = `r${p.round}-${String(i + 1).padStart(2, "0")}`;
      const parent = p.parentId ? byId.get(p.parentId) : undefined;
      this.write(
        `INSERT INTO trainings (id, ord, round, role, parent_id, learning_rate, schedule, seed, epochs, status, checkpoint_key, ms_per_epoch)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
        id,
        offset + i,
        p.round,
        p.role,
        p.parentId ?? null,
        p.learningRate,
        JSON.stringify(p.schedule),
        seed,
        p.epochs,
        parent?.checkpoint_key ?? null,
        parent?.ms_per_epoch ?? null,
      );
    });
  }

  private mode(): "pool" | "queue" {
    return this.env.DISPATCH === "queue" ? "queue" : "pool";
  }

  /** Every statement that changes storage goes through here, so the cached view is never stale. */
  private write(query: string, ...bindings: unknown[]): void {
    this.viewCache = null;
    this.sql.exec(query, ...bindings);
  }

  private sweepRow(): SweepRow | undefined {
    return this.sql.exec<SweepRow>("SELECT * FROM sweep LIMIT 1").toArray()[0];
  }

  private request(): SweepRequest {
    return JSON.parse(this.sweepRow()!.request) as SweepRequest;
  }

  private training(id: string): TrainingRow | undefined {
    return this.sql.exec<TrainingRow>("SELECT * FROM trainings WHERE id = ?", id).toArray()[0];
  }

  /** Sets the status; an ending status also queues the completion callback (delivered by the alarm). */
  private setSweepStatus(status: SweepRow["status"], error: string | null = null): void {
    this.write("UPDATE sweep SET status = ?, error = ?, updated_at = ?", status, error, new Date().toISOString());
    if (FINISHED_SWEEP.has(status) && this.request().callbackUrl) {
      this.write(
        "UPDATE sweep SET callback_event = ?, callback_state = 'pending', callback_next_at = ? WHERE callback_state IS NULL",
        `sweep.${status}`,
        Date.now(),
      );
    }
  }

  private touch(): void {
    this.write("UPDATE sweep SET updated_at = ?", new Date().toISOString());
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name === "Error" ? "" : `${err.name}: `}${err.message}` : String(err);
}
