/**
 * Deliberate misbehaviour for fault tests, configured by the FAULTS variable (never set in
 * production). A fault strikes only the first delivery of a slice, so every slice eventually
 * succeeds and a faulty run must end with the same histories as a clean one.
 */
import type { SliceRequest } from "../../core/contract.js";
import { deriveSeed, mulberry32 } from "../../core/random.js";

export type FaultKind = "fail" | "hang" | "duplicate";

export interface FaultPlan {
  seed: number;
  rate: number;
  kinds: FaultKind[];
  hangMs: number;
  /** Strike every delivery, not just the first (drives slices into the dead-letter queue). */
  everyDelivery: boolean;
}

export function parseFaults(text: string | undefined): FaultPlan | null {
  if (!text) return null;
  const plan = JSON.parse(text) as Partial<FaultPlan>;
  return {
    seed: plan.seed ?? 1,
    rate: plan.rate ?? 1 / 3,
    kinds: plan.kinds ?? ["fail", "hang", "duplicate"],
    hangMs: plan.hangMs ?? 5000,
    everyDelivery: plan.everyDelivery ?? false,
  };
}

/** The fault to inject into this delivery of the slice, if any. */
export function faultFor(plan: FaultPlan | null, slice: SliceRequest, delivery: number): FaultKind | null {
  if (!plan || (!plan.everyDelivery && ((slice.attempt ?? 1) !== 1 || delivery !== 1))) return null;
  // Not keyed by sweep id: the same request meets the same faults on every run.
  const rand = mulberry32(deriveSeed(plan.seed, slice.trainingId, slice.epochs.from));
  if (rand() >= plan.rate) return null;
  return plan.kinds[Math.floor(rand() * plan.kinds.length)]!;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
