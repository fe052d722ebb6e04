// wrangler bundles .wasm imports as compiled modules (CompiledWasm rule).
declare module "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
