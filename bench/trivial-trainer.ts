/**
 * Benchmark Worker (not deployed): answers POST /slices at once with a made-up result, so that a
 * sweep's wall time is the coordinator's own overhead per slice.
 */
export default {
  async fetch(request: Request): Promise<Response> {
    const slice = (await request.json()) as { sweepId: string; trainingId: string; epochs: { from: number; to: number } };
    const points = [];
    for (let epoch = slice.epochs.from; epoch <= slice.epochs.to; epoch++) {
      points.push({ epoch, loss: 1 / epoch, valLoss: 1 / epoch, learningRate: 0.01 });
    }
    return Response.json({
      sweepId: slice.sweepId,
      trainingId: slice.trainingId,
      epochs: slice.epochs,
      points,
      outcome: "continue",
      checkpointKey: `checkpoints/${slice.sweepId}/${slice.trainingId}/epoch-${slice.epochs.to}.ckpt`,
      stepsPerEpoch: 1,
      backend: "cpu",
      cpuMs: 0,
    });
  },
};
