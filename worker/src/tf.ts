/**
 * tfjs for the trainer. The CPU backend is selected explicitly: left to itself tfjs would first
 * try WebGL, which workerd cannot provide (and logs canvas errors while trying).
 */
import * as tf from "@tensorflow/tfjs";

let ready: Promise<void> | undefined;

/** Selects the CPU backend once per isolate; callers await it before touching tensors. */
export function tfReady(): Promise<void> {
  ready ??= tf.setBackend("cpu").then((ok) => {
    if (!ok) throw new Error("the tfjs cpu backend failed to initialise");
  });
  return ready;
}

export { tf };
