/**
 * An LSTM layer computed in plain typed-array loops, with its backward pass written out and
 * registered through tf.customGrad. The stock tf.layers.lstm issues about fifteen small tensor ops
 * per time step (and as many again backwards), so a W1 step spends most of its time in op
 * dispatch; here a whole sequence is one op each way.
 *
 * Same maths as tfjs-layers' LSTMCell (Keras gate order i, f, c, o; hard-sigmoid recurrent
 * activation, tanh activation; zero initial state), so the stock layer is the reference it is
 * tested against.
 */
import { tf } from "./tf.js";

const hardSigmoid = (z: number) => (z <= -2.5 ? 0 : z >= 2.5 ? 1 : 0.2 * z + 0.5);
// tfjs differentiates clipByValue with inclusive bounds.
const hardSigmoidGrad = (z: number) => (z >= -2.5 && z <= 2.5 ? 0.2 : 0);

/**
 * x [batch, steps, inputDim] → h [batch, steps, units] (returnSequences) or [batch, units].
 * kernel [inputDim, 4·units], recurrentKernel [units, 4·units], bias [4·units].
 */
export function lstmLayer(
  x: tf.Tensor3D,
  kernel: tf.Tensor,
  recurrentKernel: tf.Tensor,
  bias: tf.Tensor,
  returnSequences: boolean,
): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, k, r, b] = args as tf.Tensor[];
    const [B, L, D] = xs!.shape as [number, number, number];
    const H = r!.shape[0]!;
    const G = 4 * H;
    const X = xs!.dataSync() as Float32Array;
    const W = k!.dataSync() as Float32Array;
    const U = r!.dataSync() as Float32Array;
    const bias = b!.dataSync() as Float32Array;

    // Saved per step for the backward pass: gate pre-activations z, cell states c, outputs h.
    const Z = new Float32Array(L * B * G);
    const C = new Float32Array((L + 1) * B * H);
    const Hs = new Float32Array((L + 1) * B * H);
    const z = new Float32Array(G);
    for (let t = 0; t < L; t++) {
      for (let n = 0; n < B; n++) {
        for (let g = 0; g < G; g++) z[g] = bias[g]!;
        const xBase = (n * L + t) * D;
        for (let d = 0; d < D; d++) {
          const xv = X[xBase + d]!;
          if (xv === 0) continue;
          const row = d * G;
          for (let g = 0; g < G; g++) z[g]! += xv * W[row + g]!;
        }
        const hPrev = t * B * H + n * H;
        for (let j = 0; j < H; j++) {
          const hv = Hs[hPrev + j]!;
          if (hv === 0) continue;
          const row = j * G;
          for (let g = 0; g < G; g++) z[g]! += hv * U[row + g]!;
        }
        Z.set(z, (t * B + n) * G);
        const cPrev = t * B * H + n * H;
        const cNext = (t + 1) * B * H + n * H;
        for (let j = 0; j < H; j++) {
          const i = hardSigmoid(z[j]!);
          const f = hardSigmoid(z[H + j]!);
          const cand = Math.tanh(z[2 * H + j]!);
          const o = hardSigmoid(z[3 * H + j]!);
          const c = Math.fround(f * C[cPrev + j]! + i * cand);
          C[cNext + j] = c;
          Hs[cNext + j] = o * Math.tanh(c);
        }
      }
    }
    const out = returnSequences ? new Float32Array(B * L * H) : Hs.slice(L * B * H);
    if (returnSequences) {
      for (let t = 0; t < L; t++) for (let n = 0; n < B; n++) out.set(Hs.subarray((t + 1) * B * H + n * H, (t + 1) * B * H + (n + 1) * H), (n * L + t) * H);
    }
    const value = returnSequences ? tf.tensor3d(out, [B, L, H]) : tf.tensor2d(out, [B, H]);

    const gradFunc = (dy: tf.Tensor) => {
      const DY = dy.dataSync() as Float32Array;
      const dX = new Float32Array(B * L * D);
      const dW = new Float64Array(D * G);
      const dU = new Float64Array(H * G);
      const dB = new Float64Array(G);
      const dhNext = new Float64Array(B * H);
      const dcNext = new Float64Array(B * H);
      const dz = new Float64Array(G);
      for (let t = L - 1; t >= 0; t--) {
        for (let n = 0; n < B; n++) {
          const zBase = (t * B + n) * G;
          const cPrev = t * B * H + n * H;
          const cCur = (t + 1) * B * H + n * H;
          for (let j = 0; j < H; j++) {
            const upstream = returnSequences ? DY[(n * L + t) * H + j]! : t === L - 1 ? DY[n * H + j]! : 0;
            const dh = upstream + dhNext[n * H + j]!;
            const zi = Z[zBase + j]!;
            const zf = Z[zBase + H + j]!;
            const zc = Z[zBase + 2 * H + j]!;
            const zo = Z[zBase + 3 * H + j]!;
            const i = hardSigmoid(zi);
            const f = hardSigmoid(zf);
            const cand = Math.tanh(zc);
            const o = hardSigmoid(zo);
            const tc = Math.tanh(C[cCur + j]!);
            const dc = dcNext[n * H + j]! + dh * o * (1 - tc * tc);
            dz[j] = dc * cand * hardSigmoidGrad(zi);
            dz[H + j] = dc * C[cPrev + j]! * hardSigmoidGrad(zf);
            dz[2 * H + j] = dc * i * (1 - cand * cand);
            dz[3 * H + j] = dh * tc * hardSigmoidGrad(zo);
            dcNext[n * H + j] = dc * f;
          }
          for (let g = 0; g < G; g++) dB[g]! += dz[g]!;
          const xBase = (n * L + t) * D;
          for (let d = 0; d < D; d++) {
            const xv = X[xBase + d]!;
            const row = d * G;
            let acc = 0;
            for (let g = 0; g < G; g++) {
              dW[row + g]! += xv * dz[g]!;
              acc += dz[g]! * W[row + g]!;
            }
            dX[xBase + d] = acc;
          }
          const hPrev = t * B * H + n * H;
          for (let j = 0; j < H; j++) {
            const hv = Hs[hPrev + j]!;
            const row = j * G;
            let acc = 0;
            for (let g = 0; g < G; g++) {
              dU[row + g]! += hv * dz[g]!;
              acc += dz[g]! * U[row + g]!;
            }
            dhNext[n * H + j] = acc;
          }
        }
      }
      return [
        tf.tensor3d(dX, [B, L, D]),
        tf.tensor(Float32Array.from(dW), k!.shape),
        tf.tensor(Float32Array.from(dU), r!.shape),
        tf.tensor(Float32Array.from(dB), b!.shape),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, kernel, recurrentKernel, bias);
}
