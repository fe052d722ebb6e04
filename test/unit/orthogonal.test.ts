import { describe, expect, it } from "vitest";
import { orthogonal } from "../../worker/src/orthogonal.js";
import { tf } from "../../worker/src/tf.js";

describe("orthogonal initializer", () => {
  it.each([
    [[32, 128]],
    [[8, 32]],
    [[20, 6]],
  ] as Array<[[number, number]]>)("matches tfjs-layers' orthogonal initializer for shape %o and is orthogonal", async (shape) => {
    await tf.setBackend("cpu");
    const ours = orthogonal(shape, 42);
    const stock = tf.initializers.orthogonal({ seed: 42, gain: 1 }).apply(shape) as tf.Tensor2D;
    expect(ours.shape).toEqual(shape);
    const diff = tf.max(tf.abs(tf.sub(ours, stock))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-5);
    // Rows (wide) or columns (tall) are orthonormal.
    const gram = shape[0] < shape[1] ? tf.matMul(ours, ours, false, true) : tf.matMul(ours, ours, true, false);
    const identity = tf.eye(Math.min(...shape));
    expect(tf.max(tf.abs(tf.sub(gram, identity))).dataSync()[0]!).toBeLessThan(1e-5);
    tf.dispose([ours, stock, gram, identity]);
  });
});
