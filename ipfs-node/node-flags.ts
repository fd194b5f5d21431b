/**
 * The Node.js flags the IPFS daemon runs with. `npm run til` puts them on its command line
 * (package.json's "til" script is the one copy); anything that starts the daemon as a process
 * (the stack, tests, the benchmark) reads them from there so it runs the same node.
 *
 * They keep V8's heap small (e.g. `--max-semi-space-size`): uploads and downloads stream through
 * short-lived buffers, and a small young generation frees them sooner, which keeps the daemon's
 * resident memory under 300 MB during a 64 MiB add (see `npm run bench:ipfs`). `--expose-gc`
 * lets the node give the pages V8 keeps pooled back to the system after large work (memory.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export function tilNodeFlags(projectRoot: string): string[] {
  const script: string = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")).scripts?.til ?? "";
  const words = script.split(/\s+/);
  const entry = words.indexOf("scripts/til.ts");
  return entry < 0 ? [] : words.slice(1, entry).filter((word) => word.startsWith("--"));
}
