/** Text rendering of a sweep view for the terminal. */
import type { SweepView, TrainingView } from "../coordinator/src/sweep-view.js";
import { describeSchedule } from "../core/schedule.js";

const num = (x: number | null | undefined, digits = 4) => (x === null || x === undefined ? "-" : x.toPrecision(digits));

export function progressLine(view: SweepView): string {
  const p = view.progress;
  const pct = p.epochsTotal ? Math.floor((100 * p.epochsDone) / p.epochsTotal) : 0;
  return `${view.status.padEnd(9)} round ${view.rounds.length}  trainings ${p.trainingsDone}/${p.trainingsTotal}  epochs ${p.epochsDone}/${p.epochsTotal} (${pct}%)  slices in flight ${p.slicesInFlight}, waiting ${p.slicesQueued}`;
}

export function sweepTable(view: SweepView): string {
  const steps = view.dataset.stepsPerEpoch;
  const rows: string[][] = [["training", "round", "role", "rate", "schedule", "status", "best val loss", "epoch"]];
  const all: TrainingView[] = view.rounds.flatMap((r) => r.trainings);
  for (const t of all) {
    rows.push([
      t.id,
      String(t.round),
      t.role,
      t.learningRate.toExponential(2),
      describeSchedule(t.schedule, steps),
      t.status + (t.divergedAtEpoch ? ` @${t.divergedAtEpoch}` : ""),
      num(t.bestValLoss),
      t.bestEpoch === null ? "-" : `${t.bestEpoch}/${t.epochs}`,
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const failed = all.filter((t) => t.error && t.status === "failed");
  for (const t of failed) out.push(`  ${t.id} failed: ${t.error}`);
  return out.join("\n");
}

export function recommendation(view: SweepView): string {
  const baseline = view.baseline.valLoss;
  const lines = [`baseline (last value): val loss ${num(baseline)}`];
  if (!view.best) {
    lines.push(`no recommendation: ${view.error ?? "no training succeeded"}`);
    return lines.join("\n");
  }
  const best = view.rounds.flatMap((r) => r.trainings).find((t) => t.id === view.best!.trainingId)!;
  const ratio = view.best.valLoss / baseline;
  lines.push(
    `recommendation: ${best.id} (${best.role}${best.parentId ? `, continued from ${best.parentId}` : ""}) ` +
      `${describeSchedule(view.best.schedule, view.dataset.stepsPerEpoch)}, val loss ${num(view.best.valLoss)} at epoch ${view.best.epoch}`,
    `  ${ratio < 1 ? `beats the last-value baseline (${num(ratio, 3)}× its loss)` : `does NOT beat the last-value baseline (${num(ratio, 3)}× its loss)`}`,
  );
  return lines.join("\n");
}

export function costLine(view: SweepView): string {
  const c = view.cost;
  return (
    `trainer time: ${(c.cpuMs / 1000).toFixed(1)} s over ${c.slices} slices (${c.cpuMsPerSlice ?? "-"} ms per slice); ` +
    `at $${c.usdPerMillionCpuMs} per million CPU-ms that is about $${c.estimatedUsd.toFixed(6)} on Workers`
  );
}
