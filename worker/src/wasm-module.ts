// Workers run only precompiled WebAssembly: wrangler's CompiledWasm rule turns this import into a
// WebAssembly.Module at upload. Imported by the Worker entry only (Node has no such loader).
import simd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm";

export const loadSimdModule = async (): Promise<WebAssembly.Module> => simd;
