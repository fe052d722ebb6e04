// Vitest setup: Node may compile WebAssembly from bytes, so the tests load the committed
// lstm.wasm that the Worker imports as a precompiled module.
import { readFileSync } from "node:fs";
import { provideLstmModule } from "../../worker/src/lstm-kernel.js";

provideLstmModule(new WebAssembly.Module(readFileSync(new URL("../../worker/kernels/lstm.wasm", import.meta.url))));
