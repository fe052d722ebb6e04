// AssemblyScript, compiled by `asc` to lstm.wasm (see scripts/build-kernels.ts). The LSTM's
// forward and backward passes over a whole sequence, in WebAssembly SIMD (4 × f32 lanes).
//
// Buffers are f32 arrays in linear memory, passed as byte offsets; the caller (lstm-kernel.ts)
// owns the layout. Sizes: B batch rows, L time steps, D input features, H units (a multiple of 8,
// the caller pads), G = 4·H gate columns in Keras order (i, f, c, o). Sequences are time-major.

// tfjs-layers' hard sigmoid, clip(0.2·z + 0.5, 0, 1), four lanes at a time; its gradient is 0.2
// inside [-2.5, 2.5], bounds included (tfjs differentiates clipByValue that way).
@inline function hardSigmoid4(z: v128): v128 {
  return f32x4.min(f32x4.max(f32x4.add(f32x4.mul(z, f32x4.splat(0.2)), f32x4.splat(0.5)), f32x4.splat(0)), f32x4.splat(1));
}
@inline function hardSigmoidGrad4(z: v128): v128 {
  return v128.and(f32x4.splat(0.2), v128.and(f32x4.ge(z, f32x4.splat(-2.5)), f32x4.le(z, f32x4.splat(2.5))));
}

@inline function mulAdd(a: v128, b: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(a, b), f32x4.splat(c));
}

// tanh as Eigen's rational approximation (generic_fast_tanh_float): within 4e-7 of tanh over all
// floats, in four lanes without a call; the scalar Mathf.tanh took a third of a W1 step.
@inline function tanh4(x: v128): v128 {
  const bound = f32x4.splat(7.90531110763549805);
  const xc = f32x4.min(f32x4.max(x, f32x4.neg(bound)), bound);
  const x2 = f32x4.mul(xc, xc);
  let p = mulAdd(f32x4.splat(-2.76076847742355e-16), x2, 2.00018790482477e-13);
  p = mulAdd(p, x2, -8.60467152213735e-11);
  p = mulAdd(p, x2, 5.12229709037114e-8);
  p = mulAdd(p, x2, 1.48572235717979e-5);
  p = mulAdd(p, x2, 6.37261928875436e-4);
  p = mulAdd(p, x2, 4.89352455891786e-3);
  p = f32x4.mul(p, xc);
  let q = mulAdd(f32x4.splat(1.19825839466702e-6), x2, 1.18534705686654e-4);
  q = mulAdd(q, x2, 2.268434632439e-3);
  q = mulAdd(q, x2, 4.89352518554385e-3);
  return v128.bitselect(x, f32x4.div(p, q), f32x4.lt(f32x4.abs(x), f32x4.splat(0.0004)));
}

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** c[M×N] += a[M×K] · b[K×N], row-major; N is a multiple of 32 (eight 4-lane accumulators). */
function matmulAcc(a: usize, b: usize, c: usize, M: i32, K: i32, N: i32): void {
  for (let m = 0; m < M; m++) {
    const aRow = at(a, m * K);
    for (let n0 = 0; n0 < N; n0 += 32) {
      const cp = at(c, m * N + n0);
      let c0 = v128.load(cp, 0);
      let c1 = v128.load(cp, 16);
      let c2 = v128.load(cp, 32);
      let c3 = v128.load(cp, 48);
      let c4 = v128.load(cp, 64);
      let c5 = v128.load(cp, 80);
      let c6 = v128.load(cp, 96);
      let c7 = v128.load(cp, 112);
      for (let k = 0; k < K; k++) {
        const av = f32x4.splat(load<f32>(at(aRow, k)));
        const bp = at(b, k * N + n0);
        c0 = f32x4.add(c0, f32x4.mul(av, v128.load(bp, 0)));
        c1 = f32x4.add(c1, f32x4.mul(av, v128.load(bp, 16)));
        c2 = f32x4.add(c2, f32x4.mul(av, v128.load(bp, 32)));
        c3 = f32x4.add(c3, f32x4.mul(av, v128.load(bp, 48)));
        c4 = f32x4.add(c4, f32x4.mul(av, v128.load(bp, 64)));
        c5 = f32x4.add(c5, f32x4.mul(av, v128.load(bp, 80)));
        c6 = f32x4.add(c6, f32x4.mul(av, v128.load(bp, 96)));
        c7 = f32x4.add(c7, f32x4.mul(av, v128.load(bp, 112)));
      }
      v128.store(cp, c0, 0);
      v128.store(cp, c1, 16);
      v128.store(cp, c2, 32);
      v128.store(cp, c3, 48);
      v128.store(cp, c4, 64);
      v128.store(cp, c5, 80);
      v128.store(cp, c6, 96);
      v128.store(cp, c7, 112);
    }
  }
}

/** Σ a[i]·b[i] over n floats (n a multiple of 4). */
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(at(a, i), 16), v128.load(at(b, i), 16)));
  }
  for (; i < n; i += 4) acc0 = f32x4.add(acc0, f32x4.mul(v128.load(at(a, i)), v128.load(at(b, i))));
  const s = f32x4.add(acc0, acc1);
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** out[N×M] = transpose of a[M×N]. */
function transpose(a: usize, out: usize, M: i32, N: i32): void {
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) store<f32>(at(out, n * M + m), load<f32>(at(a, m * N + n)));
}

/** forward() flags: what to keep for every step rather than only the latest. */
const KEEP_GATES: i32 = 1; // z, c, tc: the backward pass needs them
const KEEP_OUTPUTS: i32 = 2; // h: a returnSequences layer outputs it

/**
 * Forward pass. x [L,B,D], w [D,G], u [H,G], bias [G] → z [L,B,G] gate pre-activations (the cell
 * candidate's slot holds its tanh instead, which is all the backward pass needs), c and h
 * [L+1,B,H] cell states and outputs (index 0 is the zero initial state), tc [L,B,H] tanh(c).
 * Without KEEP_GATES, z and tc hold one step and c alternates between two, so evaluating a large
 * batch stays in cache; without KEEP_OUTPUTS, h alternates too and the last output is at
 * index L % 2.
 */
export function forward(x: usize, w: usize, u: usize, bias: usize, z: usize, c: usize, h: usize, tc: usize, B: i32, L: i32, D: i32, H: i32, keep: i32): void {
  const G = 4 * H;
  const keepGates = (keep & KEEP_GATES) != 0;
  const keepOutputs = (keep & KEEP_OUTPUTS) != 0;
  memory.fill(c, 0, <usize>(B * H) << 2);
  memory.fill(h, 0, <usize>(B * H) << 2);
  for (let t = 0; t < L; t++) {
    const zt = at(z, keepGates ? t * B * G : 0);
    const cPrevAt = keepGates ? t : t & 1;
    const cNextAt = keepGates ? t + 1 : (t + 1) & 1;
    const hPrevAt = keepOutputs ? t : t & 1;
    const hNextAt = keepOutputs ? t + 1 : (t + 1) & 1;
    const tcAt = keepGates ? t : 0;
    for (let n = 0; n < B; n++) memory.copy(at(zt, n * G), bias, <usize>G << 2);
    matmulAcc(at(x, t * B * D), w, zt, B, D, G);
    matmulAcc(at(h, hPrevAt * B * H), u, zt, B, H, G);
    for (let n = 0; n < B; n++) {
      const zr = at(zt, n * G);
      const cPrev = at(c, cPrevAt * B * H + n * H);
      const cNext = at(c, cNextAt * B * H + n * H);
      const hNext = at(h, hNextAt * B * H + n * H);
      const tcr = at(tc, tcAt * B * H + n * H);
      for (let j = 0; j < H; j += 4) {
        const i = hardSigmoid4(v128.load(at(zr, j)));
        const f = hardSigmoid4(v128.load(at(zr, H + j)));
        const cand = tanh4(v128.load(at(zr, 2 * H + j)));
        const o = hardSigmoid4(v128.load(at(zr, 3 * H + j)));
        v128.store(at(zr, 2 * H + j), cand);
        const cell = f32x4.add(f32x4.mul(f, v128.load(at(cPrev, j))), f32x4.mul(i, cand));
        const tcell = tanh4(cell);
        v128.store(at(cNext, j), cell);
        v128.store(at(tcr, j), tcell);
        v128.store(at(hNext, j), f32x4.mul(o, tcell));
      }
    }
  }
}

/**
 * Backward pass from the forward's saved z, c, h, tc. dy [L,B,H] is the loss gradient with respect
 * to each step's output. Writes dx [L,B,D] and dw, du, db (overwritten, not accumulated). Scratch:
 * dz [B,G], dh and dc [B,H], hT [H,B], xT [D,B].
 */
export function backward(
  x: usize, w: usize, u: usize, z: usize, c: usize, h: usize, tc: usize, dy: usize,
  dx: usize, dw: usize, du: usize, db: usize,
  dz: usize, dh: usize, dc: usize, hT: usize, xT: usize,
  B: i32, L: i32, D: i32, H: i32,
): void {
  const G = 4 * H;
  const one = f32x4.splat(1);
  memory.fill(dw, 0, <usize>(D * G) << 2);
  memory.fill(du, 0, <usize>(H * G) << 2);
  memory.fill(db, 0, <usize>G << 2);
  memory.fill(dh, 0, <usize>(B * H) << 2);
  memory.fill(dc, 0, <usize>(B * H) << 2);
  for (let t = L - 1; t >= 0; t--) {
    const zt = at(z, t * B * G);
    for (let n = 0; n < B; n++) {
      const zr = at(zt, n * G);
      const dzr = at(dz, n * G);
      const row = (t * B + n) * H;
      const cPrev = at(c, row);
      const tcr = at(tc, row);
      const dyr = at(dy, row);
      const dhr = at(dh, n * H);
      const dcr = at(dc, n * H);
      for (let j = 0; j < H; j += 4) {
        const grad = f32x4.add(v128.load(at(dyr, j)), v128.load(at(dhr, j)));
        const zi = v128.load(at(zr, j));
        const zf = v128.load(at(zr, H + j));
        const cand = v128.load(at(zr, 2 * H + j));
        const zo = v128.load(at(zr, 3 * H + j));
        const tcell = v128.load(at(tcr, j));
        const dcell = f32x4.add(v128.load(at(dcr, j)), f32x4.mul(f32x4.mul(grad, hardSigmoid4(zo)), f32x4.sub(one, f32x4.mul(tcell, tcell))));
        v128.store(at(dzr, j), f32x4.mul(f32x4.mul(dcell, cand), hardSigmoidGrad4(zi)));
        v128.store(at(dzr, H + j), f32x4.mul(f32x4.mul(dcell, v128.load(at(cPrev, j))), hardSigmoidGrad4(zf)));
        v128.store(at(dzr, 2 * H + j), f32x4.mul(f32x4.mul(dcell, hardSigmoid4(zi)), f32x4.sub(one, f32x4.mul(cand, cand))));
        v128.store(at(dzr, 3 * H + j), f32x4.mul(f32x4.mul(grad, tcell), hardSigmoidGrad4(zo)));
        v128.store(at(dcr, j), f32x4.mul(dcell, hardSigmoid4(zf)));
      }
    }
    // Gradients flowing to step t-1's output, and to this step's input.
    for (let n = 0; n < B; n++) {
      const dzr = at(dz, n * G);
      for (let j = 0; j < H; j++) store<f32>(at(dh, n * H + j), dot(dzr, at(u, j * G), G));
      for (let d = 0; d < D; d++) store<f32>(at(dx, (t * B + n) * D + d), dot(dzr, at(w, d * G), G));
    }
    // Weight gradients while this step's dz is still in cache.
    transpose(at(h, t * B * H), hT, B, H);
    matmulAcc(hT, dz, du, H, B, G);
    transpose(at(x, t * B * D), xT, B, D);
    matmulAcc(xT, dz, dw, D, B, G);
    for (let n = 0; n < B; n++) {
      const dzr = at(dz, n * G);
      for (let g = 0; g < G; g += 4) v128.store(at(db, g), f32x4.add(v128.load(at(db, g)), v128.load(at(dzr, g))));
    }
  }
}
