import { tf } from "./tf.js";

/**
 * tfjs-layers' orthogonal initializer with the QR factorisation done in plain loops: the same
 * seeded normal matrix and the same sign convention (Q scaled so that R's diagonal is positive),
 * hence the same weights to float rounding. tf.linalg.qr on the 128 × 32 matrix of a 32-unit
 * LSTM took about 380 ms of small tensor ops, a third of a W1 slice's time.
 */
export function orthogonal(shape: [number, number], seed: number): tf.Tensor2D {
  const [rows, cols] = shape;
  const tall = Math.max(rows, cols);
  const wide = Math.min(rows, cols);
  const a = tf.tidy(() => tf.randomNormal([tall, wide], 0, 1, "float32", seed).dataSync() as Float32Array);
  // Modified Gram–Schmidt over the columns of the tall matrix, in double precision.
  const q = Float64Array.from(a);
  for (let k = 0; k < wide; k++) {
    for (let j = 0; j < k; j++) {
      let r = 0;
      for (let i = 0; i < tall; i++) r += q[i * wide + j]! * q[i * wide + k]!;
      for (let i = 0; i < tall; i++) q[i * wide + k]! -= r * q[i * wide + j]!;
    }
    let norm = 0;
    for (let i = 0; i < tall; i++) norm += q[i * wide + k]! ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < tall; i++) q[i * wide + k]! /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < tall; i++) {
    for (let k = 0; k < wide; k++) out[rows < cols ? k * cols + i : i * cols + k] = q[i * wide + k]!;
  }
  return tf.tensor2d(out, shape);
}
