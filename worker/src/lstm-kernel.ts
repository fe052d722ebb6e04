/**
 * An LSTM layer whose whole sequence is one op each way: the forward and backward passes run in a
 * WebAssembly SIMD kernel (worker/kernels/lstm.ts, compiled to lstm.wasm) and the backward pass
 * is registered through tf.customGrad. The stock tf.layers.lstm issues about fifteen small tensor
 * ops per time step (and as many again backwards), so a W1 step spent most of its time in op
 * dispatch; the same loops in plain JavaScript still took 33–39 ms a step in workerd.
 *
 * Same maths as tfjs-layers' LSTMCell (Keras gate order i, f, c, o; hard-sigmoid recurrent
 * activation, tanh activation; zero initial state), so the stock layer is the reference it is
 * tested against.
 */
import { tf } from "./tf.js";

interface KernelExports {
  memory: WebAssembly.Memory;
  forward(...args: number[]): void;
  backward(...args: number[]): void;
}

let kernelModule: WebAssembly.Module | undefined;
let kernel: KernelExports | undefined;

/**
 * Supplies the compiled lstm.wasm. Workers import it as a module (compiling bytes is forbidden
 * there); Node compiles the file. Called once at start-up, before the first training.
 */
export function provideLstmModule(module: WebAssembly.Module): void {
  kernelModule = module;
  kernel = undefined;
  resident = null;
}

function instance(): KernelExports {
  if (kernel) return kernel;
  if (!kernelModule) throw new Error("the LSTM kernel module was not provided: call provideLstmModule(lstm.wasm) at start-up");
  const memory = new WebAssembly.Memory({ initial: 16 });
  // A precompiled module may be instantiated synchronously, in Workers too.
  const exports = new WebAssembly.Instance(kernelModule, { env: { memory } }).exports as unknown as Omit<KernelExports, "memory">;
  kernel = { memory, forward: exports.forward, backward: exports.backward };
  return kernel;
}

/** Lays out f32 regions (16-byte aligned) in the kernel's memory, growing it when needed. */
function regions<K extends string>(k: KernelExports, sizes: Record<K, number>): Record<K, Float32Array> & { offsets: Record<K, number> } {
  const offsets = {} as Record<K, number>;
  let end = 16;
  for (const name of Object.keys(sizes) as K[]) {
    offsets[name] = end;
    end += Math.ceil(sizes[name] / 4) * 16;
  }
  const needed = Math.ceil(end / 65536) - k.memory.buffer.byteLength / 65536;
  if (needed > 0) k.memory.grow(needed);
  const views = {} as Record<K, Float32Array>;
  for (const name of Object.keys(sizes) as K[]) views[name] = new Float32Array(k.memory.buffer, offsets[name], sizes[name]);
  return Object.assign(views, { offsets });
}

/** forward() flags (see worker/kernels/lstm.ts). */
const KEEP_GATES = 1;
const KEEP_OUTPUTS = 2;

const SAVED = ["x", "w", "u", "z", "c", "h", "tc"] as const;
type Saved = Record<(typeof SAVED)[number], Float32Array>;
interface ForwardState {
  offsets: Record<string, number>;
  sizes: Record<string, number>;
  /** Set when the state had to leave the kernel's memory before its backward pass. */
  copy: Saved | null;
}

/**
 * The forward state (inputs, gate values, cell states) a backward pass needs stays in the
 * kernel's memory after the forward pass: with one LSTM layer the backward pass follows at once
 * and finds it in place. Only when another layer's pass must reuse the memory first is the state
 * copied out (1.3 MB for W1, which every step would otherwise leave as garbage).
 */
let resident: ForwardState | null = null;

function evictResident(): void {
  if (!resident) return;
  const { offsets, sizes } = resident;
  const buffer = instance().memory.buffer;
  resident.copy = Object.fromEntries(SAVED.map((k) => [k, new Float32Array(buffer, offsets[k], sizes[k]).slice()])) as Saved;
  resident = null;
}

/** The kernel wants H a multiple of 8; extra units have zero weights and stay exactly zero. */
const paddedUnits = (h: number) => Math.ceil(h / 8) * 8;

/** [rows, 4·H] gate-major columns → [rows, 4·Hp] (and back), zero-filling the padding. */
function padGates(src: Float32Array, dst: Float32Array, rows: number, H: number, Hp: number): void {
  if (H === Hp) return dst.set(src);
  dst.fill(0);
  for (let r = 0; r < rows; r++) for (let g = 0; g < 4; g++) dst.set(src.subarray(r * 4 * H + g * H, r * 4 * H + (g + 1) * H), r * 4 * Hp + g * Hp);
}
function unpadGates(src: Float32Array, rows: number, H: number, Hp: number): Float32Array {
  if (H === Hp) return src.slice();
  const out = new Float32Array(rows * 4 * H);
  for (let r = 0; r < rows; r++) for (let g = 0; g < 4; g++) out.set(src.subarray(r * 4 * Hp + g * Hp, r * 4 * Hp + g * Hp + H), r * 4 * H + g * H);
  return out;
}

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
    const Hp = paddedUnits(H);
    const G = 4 * Hp;
    const wasm = instance();
    const X = xs!.dataSync() as Float32Array;
    evictResident();
    // Evaluation keeps only what it returns, so a large batch's working set stays in cache.
    const training = tf.engine().state.gradientDepth > 0;
    const keep = (training ? KEEP_GATES : 0) | (training || returnSequences ? KEEP_OUTPUTS : 0);
    const steps = (kept: boolean, n: number) => (kept ? n : Math.min(n, 2));
    const sizes = {
      x: L * B * D,
      w: D * G,
      u: Hp * G,
      bias: G,
      z: steps(training, L) * B * G,
      c: steps(training, L + 1) * B * Hp,
      h: steps(training || returnSequences, L + 1) * B * Hp,
      tc: steps(training, L) * B * Hp,
    };
    const m = regions(wasm, sizes);
    for (let t = 0; t < L; t++) for (let n = 0; n < B; n++) m.x.set(X.subarray((n * L + t) * D, (n * L + t + 1) * D), (t * B + n) * D);
    padGates(k!.dataSync() as Float32Array, m.w, D, H, Hp);
    if (H === Hp) m.u.set(r!.dataSync() as Float32Array);
    else {
      m.u.fill(0);
      padGates(r!.dataSync() as Float32Array, m.u.subarray(0, H * G), H, H, Hp);
    }
    padGates(b!.dataSync() as Float32Array, m.bias, 1, H, Hp);
    const o = m.offsets;
    wasm.forward(o.x, o.w, o.u, o.bias, o.z, o.c, o.h, o.tc, B, L, D, Hp, keep);

    const state: ForwardState = { offsets: { ...o }, sizes, copy: null };
    if (training) resident = state;
    const out = new Float32Array(returnSequences ? B * L * H : B * H);
    const hs = m.h;
    if (returnSequences) {
      for (let n = 0; n < B; n++) for (let t = 0; t < L; t++) out.set(hs.subarray(((t + 1) * B + n) * Hp, ((t + 1) * B + n) * Hp + H), (n * L + t) * H);
    } else {
      const last = keep & KEEP_OUTPUTS ? L : L % 2;
      for (let n = 0; n < B; n++) out.set(hs.subarray((last * B + n) * Hp, (last * B + n) * Hp + H), n * H);
    }
    const value = returnSequences ? tf.tensor3d(out, [B, L, H]) : tf.tensor2d(out, [B, H]);

    const gradFunc = (dy: tf.Tensor) => {
      const DY = dy.dataSync() as Float32Array;
      const g = regions(wasm, {
        ...sizes,
        dy: L * B * Hp,
        dx: L * B * D,
        dw: D * G,
        du: Hp * G,
        db: G,
        dz: B * G,
        dh: B * Hp,
        dc: B * Hp,
        hT: Hp * B,
        xT: D * B,
      });
      if (resident === state) resident = null;
      else {
        evictResident();
        for (const name of SAVED) g[name].set(state.copy![name]);
      }
      g.dy.fill(0);
      for (let n = 0; n < B; n++) {
        if (returnSequences) for (let t = 0; t < L; t++) g.dy.set(DY.subarray((n * L + t) * H, (n * L + t + 1) * H), (t * B + n) * Hp);
        else g.dy.set(DY.subarray(n * H, (n + 1) * H), ((L - 1) * B + n) * Hp);
      }
      const p = g.offsets;
      wasm.backward(p.x, p.w, p.u, p.z, p.c, p.h, p.tc, p.dy, p.dx, p.dw, p.du, p.db, p.dz, p.dh, p.dc, p.hT, p.xT, B, L, D, Hp);
      const dX = new Float32Array(B * L * D);
      for (let t = 0; t < L; t++) for (let n = 0; n < B; n++) dX.set(g.dx.subarray((t * B + n) * D, (t * B + n + 1) * D), (n * L + t) * D);
      return [
        tf.tensor3d(dX, [B, L, D]),
        tf.tensor(unpadGates(g.dw, D, H, Hp), k!.shape),
        tf.tensor(unpadGates(g.du.subarray(0, H * G), H, H, Hp), r!.shape),
        tf.tensor(unpadGates(g.db, 1, H, Hp), b!.shape),
      ];
    };
    return { value, gradFunc };
  });
  return op(x, kernel, recurrentKernel, bias);
}
