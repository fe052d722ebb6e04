/**
 * The fixed vocabulary. A *sweep* is one request; it runs in *rounds* (grid, then follow-up);
 * each round holds *trainings* (one model, one schedule); a training runs as *slices* of a few
 * epochs, each slice one trainer call that resumes from the previous slice's checkpoint.
 */

export const SWEEP_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

export const TRAINING_STATUSES = ["queued", "running", "succeeded", "diverged", "failed", "cancelled"] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];

export const FINISHED_TRAINING: ReadonlySet<TrainingStatus> = new Set(["succeeded", "diverged", "failed", "cancelled"]);
export const FINISHED_SWEEP: ReadonlySet<SweepStatus> = new Set(["succeeded", "failed", "cancelled"]);

export type RoundKind = "grid" | "follow-up";

export const OPTIMIZERS = ["adam", "sgd", "momentum", "rmsprop", "adagrad"] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const FOLLOW_UP_STRATEGIES = ["anneal", "cyclical", "both", "none"] as const;
export type FollowUpStrategy = (typeof FOLLOW_UP_STRATEGIES)[number];
