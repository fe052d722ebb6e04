import { describe, expect, it, vi } from "vitest";
import { tfReady } from "../../worker/src/tf.js";

describe("backend fallback", () => {
  it("falls back to CPU with the reason logged when no WASM module is provided", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    expect(await tfReady("auto")).toBe("cpu");
    expect(warn).toHaveBeenCalledWith("tfjs: using the cpu backend (no WASM module was provided to this runtime)");
    warn.mockRestore();
  });

  it("refuses an explicit wasm request it cannot serve", async () => {
    await expect(tfReady("wasm")).rejects.toThrow("the wasm backend is not available: no WASM module was provided to this runtime");
  });
});
