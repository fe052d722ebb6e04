/**
 * npm run build:kernels — compiles worker/kernels/lstm.ts (AssemblyScript) to lstm.wasm, which is
 * committed: wrangler imports it as a precompiled module and the tests load it, so neither needs
 * the compiler. test/unit/lstm-kernel.test.ts fails when the committed file is stale.
 */
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const KERNEL_SOURCE = join(ROOT, "worker", "kernels", "lstm.ts");
export const KERNEL_WASM = join(ROOT, "worker", "kernels", "lstm.wasm");

/** asc flags: SIMD, no runtime or assertions (the kernel allocates nothing), memory supplied by the caller. */
export function compileKernel(outFile: string): void {
  execFileSync(
    join(ROOT, "node_modules", ".bin", "asc"),
    [KERNEL_SOURCE, "--outFile", outFile, "-O3", "--runtime", "stub", "--enable", "simd", "--noAssert", "--importMemory", "--initialMemory", "1"],
    { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  compileKernel(KERNEL_WASM);
  console.log(`built ${KERNEL_WASM}`);
}
