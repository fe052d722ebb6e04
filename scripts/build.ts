/** npm run build: bundles both Workers into dist/ with wrangler (what the local stack runs). */
import { buildWorkers } from "./local-stack.js";

await buildWorkers();
console.log("built dist/coordinator and dist/trainer");
