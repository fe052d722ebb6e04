/** The polled view of a sweep, assembled from stored rows (pure). */
import { pickBest } from "../../core/plan.js";
import type { Schedule } from "../../core/schedule.js";
import type { SweepRequest } from "../../core/sweep-request.js";
import { FINISHED_SWEEP, FINISHED_TRAINING, type RoundKind, type SweepStatus, type TrainingStatus } from "../../core/vocabulary.js";

export interface DatasetSummary {
  key: string;
  seriesLength: number;
  trainWindows: number;
  valWindows: number;
  stepsPerEpoch: number;
  baselineValLoss: number;
}

export type SweepRow = {
  id: string;
  status: SweepStatus;
  created_at: string;
  updated_at: string;
  request: string;
  dataset: string;
  follow_up_planned: number;
  error: string | null;
  callback_event: string | null;
  callback_state: "pending" | "delivered" | "failed" | null;
  callback_attempts: number;
  callback_next_at: number | null;
};

export type CallbackAttemptRow = {
  attempt: number;
  event: string;
  at: string;
  http_status: number | null;
  error: string | null;
};

export type TrainingRow = {
  id: string;
  ord: number;
  round: number;
  role: string;
  parent_id: string | null;
  learning_rate: number;
  schedule: string;
  seed: number;
  epochs: number;
  status: TrainingStatus;
  epochs_done: number;
  checkpoint_key: string | null;
  best_val_loss: number | null;
  best_epoch: number | null;
  diverged_epoch: number | null;
  error: string | null;
  slice_state: "idle" | "dispatched";
  slice_from: number | null;
  slice_attempt: number;
  lease_until: number | null;
  retry_at: number | null;
  ms_per_epoch: number | null;
  slices: number;
  cpu_ms: number;
  ignored_results: number;
  backend: string | null;
};

export type PointRow = {
  training_id: string;
  epoch: number;
  loss: number | null;
  val_loss: number | null;
  learning_rate: number;
};

export interface TrainingView {
  id: string;
  round: number;
  role: string;
  parentId: string | null;
  learningRate: number;
  schedule: Schedule;
  status: TrainingStatus;
  epochs: number;
  history: { epoch: number[]; loss: Array<number | null>; valLoss: Array<number | null>; learningRate: number[] };
  bestValLoss: number | null;
  bestEpoch: number | null;
  divergedAtEpoch: number | null;
  error: string | null;
  /** Slices recorded, trainer milliseconds they took, and results ignored as duplicates or late. */
  slices: number;
  cpuMs: number;
  ignoredResults: number;
  /** The tfjs backend of its last slice (wasm or cpu). */
  backend: string | null;
}

export interface SweepView {
  id: string;
  status: SweepStatus;
  createdAt: string;
  updatedAt: string;
  error: string | null;
  progress: {
    trainingsDone: number;
    trainingsTotal: number;
    epochsDone: number;
    epochsTotal: number;
    /** Slices sent and not yet answered, and trainings waiting for a free slot. */
    slicesInFlight: number;
    slicesQueued: number;
  };
  /** Trainer time so far and its price at Workers Standard's published CPU rate. */
  cost: { cpuMs: number; slices: number; cpuMsPerSlice: number | null; usdPerMillionCpuMs: number; estimatedUsd: number };
  rounds: Array<{ round: number; kind: RoundKind; trainings: TrainingView[] }>;
  best: { trainingId: string; learningRate: number; schedule: Schedule; valLoss: number; epoch: number | null } | null;
  baseline: { kind: "last-value"; valLoss: number };
  /** The completion callback, when the request had a callbackUrl: its state and every delivery attempt. */
  callback: {
    url: string;
    event: string | null;
    state: "pending" | "delivered" | "failed" | null;
    attempts: Array<{ attempt: number; at: string; httpStatus: number | null; error: string | null }>;
  } | null;
  dataset: Omit<DatasetSummary, "key">;
  config: Omit<SweepRequest, "series"> & { series: string };
}

/** Workers Standard: $0.02 per million CPU milliseconds beyond the monthly allowance. */
export const USD_PER_MILLION_CPU_MS = 0.02;

/** How many follow-up trainings the sweep will run once round 1 has finished. */
export function expectedFollowUps(request: SweepRequest, round1Count: number): number {
  const { strategy, topK, control } = request.followUp;
  if (strategy === "none") return 0;
  const perCandidate = (strategy === "both" ? 2 : 1) + (control ? 1 : 0);
  return Math.min(topK, round1Count) * perCandidate;
}

export function followUpEpochs(request: SweepRequest): number {
  return request.followUp.epochs ?? request.training.epochs;
}

export function buildView(sweep: SweepRow, trainings: TrainingRow[], points: PointRow[], callbacks: CallbackAttemptRow[] = []): SweepView {
  const request = JSON.parse(sweep.request) as SweepRequest;
  const dataset = JSON.parse(sweep.dataset) as DatasetSummary;
  const byTraining = new Map<string, PointRow[]>();
  for (const p of points) {
    const list = byTraining.get(p.training_id) ?? [];
    list.push(p);
    byTraining.set(p.training_id, list);
  }
  const views: TrainingView[] = trainings.map((t) => {
    const pts = (byTraining.get(t.id) ?? []).sort((a, b) => a.epoch - b.epoch);
    return {
      id: t.id,
      round: t.round,
      role: t.role,
      parentId: t.parent_id,
      learningRate: t.learning_rate,
      schedule: JSON.parse(t.schedule) as Schedule,
      status: t.status,
      epochs: t.epochs,
      history: {
        epoch: pts.map((p) => p.epoch),
        loss: pts.map((p) => p.loss),
        valLoss: pts.map((p) => p.val_loss),
        learningRate: pts.map((p) => p.learning_rate),
      },
      bestValLoss: t.best_val_loss,
      bestEpoch: t.best_epoch,
      divergedAtEpoch: t.diverged_epoch,
      error: t.error,
      slices: t.slices,
      cpuMs: t.cpu_ms,
      ignoredResults: t.ignored_results,
      backend: t.backend,
    };
  });
  const round1 = views.filter((t) => t.round === 1);
  // A finished sweep (cancelled or failed before its follow-up round) plans nothing more.
  const pending = sweep.follow_up_planned || FINISHED_SWEEP.has(sweep.status) ? 0 : expectedFollowUps(request, round1.length);
  const finished = (t: TrainingView) => FINISHED_TRAINING.has(t.status);
  const best = pickBest(views);
  const { series, ...config } = request;
  const active = trainings.filter((t) => t.status === "queued" || t.status === "running");
  const cpuMs = trainings.reduce((n, t) => n + t.cpu_ms, 0);
  const slices = trainings.reduce((n, t) => n + t.slices, 0);
  return {
    id: sweep.id,
    status: sweep.status,
    createdAt: sweep.created_at,
    updatedAt: sweep.updated_at,
    error: sweep.error,
    progress: {
      trainingsDone: views.filter(finished).length,
      trainingsTotal: views.length + pending,
      epochsDone: views.reduce((n, t) => n + t.history.epoch.length, 0),
      epochsTotal:
        views.reduce((n, t) => n + (finished(t) ? t.history.epoch.length : t.epochs), 0) +
        pending * followUpEpochs(request),
      slicesInFlight: active.filter((t) => t.slice_state === "dispatched").length,
      slicesQueued: active.filter((t) => t.slice_state === "idle").length,
    },
    cost: {
      cpuMs,
      slices,
      cpuMsPerSlice: slices ? Math.round(cpuMs / slices) : null,
      usdPerMillionCpuMs: USD_PER_MILLION_CPU_MS,
      estimatedUsd: (cpuMs / 1e6) * USD_PER_MILLION_CPU_MS,
    },
    rounds: [1, 2]
      .map((round) => ({
        round,
        kind: (round === 1 ? "grid" : "follow-up") as RoundKind,
        trainings: views.filter((t) => t.round === round),
      }))
      .filter((r) => r.trainings.length > 0),
    best: best && {
      trainingId: best.id,
      learningRate: best.learningRate,
      schedule: best.schedule,
      valLoss: best.bestValLoss!,
      epoch: best.bestEpoch,
    },
    baseline: { kind: "last-value", valLoss: dataset.baselineValLoss },
    callback: request.callbackUrl
      ? {
          url: request.callbackUrl,
          event: sweep.callback_event,
          state: sweep.callback_state,
          attempts: callbacks.map((a) => ({ attempt: a.attempt, at: a.at, httpStatus: a.http_status, error: a.error })),
        }
      : null,
    dataset: {
      seriesLength: dataset.seriesLength,
      trainWindows: dataset.trainWindows,
      valWindows: dataset.valWindows,
      stepsPerEpoch: dataset.stepsPerEpoch,
      baselineValLoss: dataset.baselineValLoss,
    },
    config: { ...config, series: series.dataset ? `dataset:${series.dataset}` : series.csv ? `csv:${series.column}` : "values" },
  };
}
