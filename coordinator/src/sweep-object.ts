/**
 * One Durable Object per sweep. It owns the sweep's state in its SQLite storage (sweep, trainings,
 * per-epoch points), decides what runs next (policy from core/plan.ts) and dispatches slices; it
 * never trains. Progress is driven by alarms: every alarm first re-arms a watchdog alarm, so an
 * evicted or restarted object resumes from storage. State is persisted before it is announced.
 */
import { DurableObject } from "cloudflare:workers";
import pLimit from "p-limit";
import type { SliceRequest, SliceResult } from "../../core/contract.js";
import { nextSliceEpochs, planFollowUp, planGrid, sliceResultApplies, type PlannedTraining } from "../../core/plan.js";
import { deriveSeed } from "../../core/random.js";
import type { SweepRequest } from "../../core/sweep-request.js";
import { FINISHED_SWEEP, FINISHED_TRAINING } from "../../core/vocabulary.js";
import { poolDispatcher, type Dispatcher } from "./dispatch/pool.js";
import type { Env } from "./env.js";
import { withRetries } from "./retry.js";
import {
  buildView,
  followUpEpochs,
  type DatasetSummary,
  type PointRow,
  type SweepRow,
  type SweepView,
  type TrainingRow,
} from "./sweep-view.js";

const WATCHDOG_MS = 60_000;
/** An alarm handler stops starting slices after this long and hands over to the next alarm. */
const PUMP_BUDGET_MS = 10 * 60_000;
const SLICE_TRIES = 3;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sweep (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  request TEXT NOT NULL, dataset TEXT NOT NULL, follow_up_planned INTEGER NOT NULL DEFAULT 0, error TEXT
);
CREATE TABLE IF NOT EXISTS trainings (
  id TEXT PRIMARY KEY, ord INTEGER NOT NULL, round INTEGER NOT NULL, role TEXT NOT NULL, parent_id TEXT,
  learning_rate REAL NOT NULL, schedule TEXT NOT NULL, seed INTEGER NOT NULL, epochs INTEGER NOT NULL,
  status TEXT NOT NULL, epochs_done INTEGER NOT NULL DEFAULT 0, checkpoint_key TEXT,
  best_val_loss REAL, best_epoch INTEGER, diverged_epoch INTEGER, error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0, slices INTEGER NOT NULL DEFAULT 0, trainer_ms INTEGER NOT NULL DEFAULT 0
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
  private dispatcherInstance: Dispatcher | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  /** Called by the webhook route. Idempotent: a second call for the same id changes nothing. */
  async create(init: CreateSweep): Promise<{ created: boolean; view: SweepView }> {
    const created = !this.sweepRow();
    if (created) {
      const now = new Date().toISOString();
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
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

  /** Called by GET /sweeps/:id. Read-only; null when no sweep lives here. */
  view(): SweepView | null {
    const sweep = this.sweepRow();
    if (!sweep) return null;
    const trainings = this.sql.exec<TrainingRow>("SELECT * FROM trainings ORDER BY ord").toArray();
    const points = this.sql.exec<PointRow>("SELECT * FROM points").toArray();
    return buildView(sweep, trainings, points);
  }

  /** Called by POST /sweeps/:id/cancel. Idempotent; a finished sweep is left as it is. */
  async cancel(): Promise<SweepView | null> {
    const sweep = this.sweepRow();
    if (!sweep) return null;
    if (!FINISHED_SWEEP.has(sweep.status)) {
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          "UPDATE trainings SET status = 'cancelled' WHERE status IN ('queued', 'running')",
        );
        this.setSweepStatus("cancelled");
      });
      await this.ctx.storage.deleteAlarm();
    }
    return this.view();
  }

  /** Called by the runtime (at least once per scheduled time). Safe to run again at any point. */
  override async alarm(): Promise<void> {
    const sweep = this.sweepRow();
    if (!sweep || FINISHED_SWEEP.has(sweep.status)) return;
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.pump();
    } finally {
      this.pumping = false;
    }
    const after = this.sweepRow()!;
    if (FINISHED_SWEEP.has(after.status)) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Date.now());
  }

  /** Keeps up to `concurrency` slices in flight until the sweep finishes or the budget runs out. */
  private async pump(): Promise<void> {
    const request = this.request();
    const limit = pLimit(request.concurrency);
    const inFlight = new Map<string, Promise<void>>();
    const deadline = Date.now() + PUMP_BUDGET_MS;
    for (;;) {
      this.advance();
      if (FINISHED_SWEEP.has(this.sweepRow()!.status)) return;
      if (Date.now() < deadline) {
        const runnable = this.sql
          .exec<{ id: string }>("SELECT id FROM trainings WHERE status IN ('queued', 'running') ORDER BY ord")
          .toArray();
        for (const { id } of runnable) {
          if (!inFlight.has(id)) inFlight.set(id, limit(() => this.runSlice(id)).finally(() => inFlight.delete(id)));
        }
      }
      if (inFlight.size === 0) return;
      await Promise.race(inFlight.values());
    }
  }

  /** Runs the next slice of one training with retries; never rejects (failures are recorded). */
  private async runSlice(trainingId: string): Promise<void> {
    const training = this.training(trainingId);
    const sweep = this.sweepRow()!;
    if (!training || FINISHED_TRAINING.has(training.status) || FINISHED_SWEEP.has(sweep.status)) return;
    const request = this.request();
    const range = nextSliceEpochs({ epochsDone: training.epochs_done, epochs: training.epochs }, request.sliceEpochs);
    if (!range) return;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE trainings SET status = 'running' WHERE id = ? AND status = 'queued'", trainingId);
      if (sweep.status === "queued") this.setSweepStatus("running");
    });
    const dataset = JSON.parse(sweep.dataset) as DatasetSummary;
    const slice: SliceRequest = {
      sweepId: sweep.id,
      trainingId,
      datasetKey: dataset.key,
      model: request.model,
      training: {
        optimizer: request.training.optimizer,
        batchSize: request.training.batchSize,
        seed: training.seed,
        divergenceFactor: request.training.divergenceFactor,
      },
      schedule: JSON.parse(training.schedule),
      epochs: range,
      ...(training.checkpoint_key ? { checkpointKey: training.checkpoint_key } : {}),
    };
    const timeoutMs = Number(this.env.SLICE_TIMEOUT_MS ?? 300_000);
    try {
      const result = await withRetries(
        async () => {
          const current = this.training(trainingId);
          if (!current || FINISHED_TRAINING.has(current.status)) return null;
          return this.dispatcher().dispatch(slice, AbortSignal.timeout(timeoutMs));
        },
        {
          tries: SLICE_TRIES,
          backoffMs: Number(this.env.RETRY_BACKOFF_MS ?? 1000),
          onFailure: (err, n) => {
            console.warn(`sweep ${sweep.id} ${trainingId} epochs ${range.from}-${range.to} try ${n}/${SLICE_TRIES}: ${errorText(err)}`);
            this.sql.exec("UPDATE trainings SET attempts = attempts + 1, error = ? WHERE id = ?", errorText(err), trainingId);
          },
        },
      );
      if (result) this.recordSlice(result);
    } catch (err) {
      const message = `slice epochs ${range.from}-${range.to} failed ${SLICE_TRIES} times; last error: ${errorText(err)}`;
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          "UPDATE trainings SET status = 'failed', error = ? WHERE id = ? AND status IN ('queued', 'running')",
          message,
          trainingId,
        );
        this.touch();
      });
    }
  }

  /**
   * Stores a slice's points and moves the training on. Idempotent: a result for epochs already
   * recorded, for another slice than the next one, or for a finished training changes nothing.
   */
  private recordSlice(result: SliceResult): void {
    this.ctx.storage.transactionSync(() => {
      const t = this.training(result.trainingId);
      if (!t || !sliceResultApplies({ status: t.status, epochsDone: t.epochs_done }, result)) return;
      for (const p of result.points) {
        this.sql.exec(
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
      const epochsDone = result.points.length ? result.points[result.points.length - 1]!.epoch : t.epochs_done;
      const status =
        result.outcome === "diverged" ? "diverged" : epochsDone >= t.epochs ? "succeeded" : "running";
      this.sql.exec(
        `UPDATE trainings SET status = ?, epochs_done = ?, checkpoint_key = ?, best_val_loss = ?, best_epoch = ?,
           diverged_epoch = ?, error = NULL, slices = slices + 1, trainer_ms = trainer_ms + ? WHERE id = ?`,
        status,
        epochsDone,
        result.checkpointKey ?? t.checkpoint_key,
        best?.val_loss ?? null,
        best?.epoch ?? null,
        result.divergedAtEpoch ?? null,
        Math.round(result.trainerMs),
        t.id,
      );
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
        this.sql.exec("UPDATE sweep SET follow_up_planned = 1");
        if (planned.length) {
          this.insertTrainings(planned, deriveSeed(request.seed, "follow-up"), trainings);
          this.touch();
          return;
        }
      }
      const view = this.view()!;
      if (view.best) this.setSweepStatus("succeeded");
      else this.setSweepStatus("failed", "no training succeeded: every candidate diverged, failed or was cancelled");
    });
  }

  private insertTrainings(planned: PlannedTraining[], seed: number, existing: TrainingRow[] = []): void {
    const byId = new Map(existing.map((t) => [t.id, t]));
    const offset = existing.length;
    planned.forEach((p, i) => {
      const id = `r${p.round}-${String(i + 1).padStart(2, "0")}`;
      const parent = p.parentId ? byId.get(p.parentId) : undefined;
      this.sql.exec(
        `INSERT INTO trainings (id, ord, round, role, parent_id, learning_rate, schedule, seed, epochs, status, checkpoint_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)`,
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
      );
    });
  }

  private dispatcher(): Dispatcher {
    this.dispatcherInstance ??= poolDispatcher(this.env.TRAINER_URLS, this.env.INTERNAL_TOKEN);
    return this.dispatcherInstance;
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

  private setSweepStatus(status: SweepRow["status"], error: string | null = null): void {
    this.sql.exec("UPDATE sweep SET status = ?, error = ?, updated_at = ?", status, error, new Date().toISOString());
  }

  private touch(): void {
    this.sql.exec("UPDATE sweep SET updated_at = ?", new Date().toISOString());
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name === "Error" ? "" : `${err.name}: `}${err.message}` : String(err);
}
