/**
 * tfjs for the trainer, on the fastest backend that loads: WASM SIMD when its module can be
 * provided, else the pure-JS CPU backend (with the reason logged). tfjs would otherwise try WebGL
 * first, which workerd cannot provide (and logs canvas errors while trying).
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

export type BackendName = "wasm" | "cpu";
export type BackendChoice = BackendName | "auto";

/** Supplies the compiled tfjs-backend-wasm SIMD module (Workers import it; Node compiles the file). */
export type WasmModuleLoader = () => Promise<WebAssembly.Module>;

let wasmLoader: WasmModuleLoader | undefined;
let wasmReady: Promise<string | null> | undefined;
let current: Promise<BackendName> | undefined;
let currentChoice: BackendChoice | undefined;

/** Where the WASM module comes from; call once at start-up, before tfReady. */
export function provideWasmModule(loader: WasmModuleLoader): void {
  wasmLoader = loader;
}

const MARKER = "lr-sweep:precompiled-tfjs-wasm";

/**
 * Workers forbid compiling WebAssembly from bytes, and tfjs-backend-wasm only knows how to fetch
 * and compile its binary. So its fetch is answered with a marker, and WebAssembly.instantiate
 * swaps the marker for the precompiled module. Resolves to null, or to why WASM is unavailable.
 */
function registerWasm(): Promise<string | null> {
  wasmReady ??= (async () => {
    if (!wasmLoader) return "no WASM module was provided to this runtime";
    const module = await wasmLoader();
    const instantiate = WebAssembly.instantiate.bind(WebAssembly);
    const patched = (source: unknown, imports?: WebAssembly.Imports) => {
      if (source instanceof ArrayBuffer && source.byteLength === MARKER.length && new TextDecoder().decode(source) === MARKER) {
        return instantiate(module, imports).then((instance) => ({ instance, module }));
      }
      return instantiate(source as BufferSource, imports);
    };
    (WebAssembly as unknown as { instantiate: typeof patched }).instantiate = patched;
    const platform = tf.env().platform;
    const platformFetch = platform.fetch.bind(platform);
    platform.fetch = (path: string, init?: RequestInit) =>
      String(path).endsWith(".wasm") ? Promise.resolve(new Response(MARKER)) : platformFetch(path, init);
    // Threads need SharedArrayBuffer workers, which Workers do not have; SIMD is in the module.
    tf.env().set("WASM_HAS_SIMD_SUPPORT", true);
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    const file = "lr-sweep.wasm";
    setWasmPaths({ "tfjs-backend-wasm.wasm": file, "tfjs-backend-wasm-simd.wasm": file, "tfjs-backend-wasm-threaded-simd.wasm": file }, true);
    return null;
  })().catch((err: unknown) => `loading the WASM module failed: ${err instanceof Error ? err.message : String(err)}`);
  return wasmReady;
}

/**
 * Selects the backend once per isolate (per choice): `auto` takes WASM when it loads and falls
 * back to CPU, logging why. Callers await it before touching tensors.
 */
export function tfReady(choice: BackendChoice = "auto"): Promise<BackendName> {
  if (current && currentChoice === choice) return current;
  currentChoice = choice;
  current = (async () => {
    if (choice !== "cpu") {
      const problem = await registerWasm();
      if (!problem && (await tf.setBackend("wasm").catch(() => false))) return "wasm" as const;
      const reason = problem ?? "tf.setBackend('wasm') failed";
      if (choice === "wasm") throw new Error(`the wasm backend is not available: ${reason}`);
      console.warn(`tfjs: using the cpu backend (${reason})`);
    }
    if (!(await tf.setBackend("cpu"))) throw new Error("the tfjs cpu backend failed to initialise");
    return "cpu" as const;
  })();
  return current;
}

export { tf };
