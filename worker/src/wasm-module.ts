// Workers run only precompiled WebAssembly: wrangler's CompiledWasm rule turns these imports into
// WebAssembly.Module objects at upload. Imported by the Worker entries only (Node has no such loader).
import simd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";
import lstm from "../kernels/lstm.wasm";

export const loadSimdModule = async (): Promise<WebAssembly.Module> => simd;
export const lstmModule: WebAssembly.Module = lstm;
