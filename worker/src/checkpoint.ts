/**
 * A training's state between slices: model weights, the optimizer's state and the divergence
 * tracker, in one binary blob: [u32 header length][JSON header][float32 tensor data].
 * Restoring it and training on gives bit-for-bit the history of an uninterrupted run.
 */
import type { Network } from "./model.js";
import { tf } from "./tf.js";

export interface CheckpointMeta {
  /** The last epoch whose update this state includes. */
  epoch: number;
  /** Lowest epoch training loss seen so far (divergence reference). */
  minLoss: number | null;
}

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface Header extends CheckpointMeta {
  version: 1;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
  /** Adam's running beta powers: `setWeights` recomputes them with pow(), which rounds differently. */
  adamBetaPowers?: [number, number];
}

interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function isAdam(optimizer: tf.Optimizer): optimizer is tf.Optimizer & AdamInternals {
  // Not `instanceof`: tfjs optimizers answer instanceof by duck typing.
  return optimizer.getClassName() === "Adam";
}

export async function saveCheckpoint(network: Network, optimizer: tf.Optimizer, meta: CheckpointMeta): Promise<Uint8Array> {
  const optimizerWeights = await optimizer.getWeights();
  const chunks: Float32Array[] = [];
  let offset = 0;
  const entry = (name: string, tensor: tf.Tensor): TensorEntry => {
    const data = tensor.dataSync() as Float32Array;
    chunks.push(Float32Array.from(data));
    const e = { name, shape: tensor.shape, offset, length: data.length };
    offset += data.length;
    return e;
  };
  const header: Header = {
    version: 1,
    ...meta,
    weights: network.variables.map((v, i) => entry(`w${i}`, v)),
    // Positional names: tfjs matches optimizer state to variables by position, and the variables'
    // own names carry per-isolate layer counters that would make identical states differ.
    optimizer: optimizerWeights.map((w, i) => entry(w.name === "iter" ? "iter" : `o${i}`, w.tensor)),
  };
  // getWeights() makes a fresh `iter` scalar each call; the rest are the optimizer's own variables.
  for (const w of optimizerWeights) if (w.name === "iter") w.tensor.dispose();
  if (isAdam(optimizer)) {
    header.adamBetaPowers = [optimizer.accBeta1.dataSync()[0]!, optimizer.accBeta2.dataSync()[0]!];
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(4 + headerBytes.length);
  const out = new Uint8Array(dataStart + offset * 4);
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  const floats = new Float32Array(out.buffer, dataStart, offset);
  let at = 0;
  for (const c of chunks) {
    floats.set(c, at);
    at += c.length;
  }
  return out;
}

/** Loads a checkpoint into a freshly built network and optimizer of the same configuration. */
export async function restoreCheckpoint(bytes: Uint8Array, network: Network, optimizer: tf.Optimizer): Promise<CheckpointMeta> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Header;
  if (header.version !== 1) throw new Error(`unsupported checkpoint version ${String(header.version)}`);
  const dataStart = align4(4 + headerLength);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset + dataStart, bytes.byteOffset + bytes.byteLength));
  const slice = (e: TensorEntry) => all.subarray(e.offset, e.offset + e.length);
  if (header.weights.length !== network.variables.length) {
    throw new Error(`checkpoint has ${header.weights.length} weight tensors, the model ${network.variables.length}`);
  }
  header.weights.forEach((e, i) => {
    const variable = network.variables[i]!;
    if (e.shape.join("x") !== variable.shape.join("x")) {
      throw new Error(`checkpoint weight ${i} has shape [${e.shape}], the model [${variable.shape}]`);
    }
    tf.tidy(() => variable.assign(tf.tensor(slice(e), e.shape)));
  });
  const optimizerWeights = header.optimizer.map((e) => ({ name: e.name, tensor: tf.tensor(slice(e), e.shape) }));
  await optimizer.setWeights(optimizerWeights);
  for (const w of optimizerWeights) w.tensor.dispose();
  if (isAdam(optimizer) && header.adamBetaPowers) {
    const [b1, b2] = header.adamBetaPowers;
    tf.tidy(() => {
      optimizer.accBeta1.assign(tf.scalar(b1));
      optimizer.accBeta2.assign(tf.scalar(b2));
    });
  }
  return { epoch: header.epoch, minLoss: header.minLoss };
}

const align4 = (n: number) => (n + 3) & ~3;

/** The model weights stored in a checkpoint, in variable order (for inspection and tests). */
export function checkpointWeights(bytes: Uint8Array): Float32Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as Header;
  const dataStart = bytes.byteOffset + align4(4 + headerLength);
  const all = new Float32Array(bytes.buffer.slice(dataStart, bytes.byteOffset + bytes.byteLength));
  return header.weights.map((e) => all.slice(e.offset, e.offset + e.length));
}
