/**
 * The Node.js flags the IPFS daemon runs with. `npm run til` puts them on its command line
 * (package.json's "til" script is the one copy); anything that starts the daemon as a process
 * (the stack, tests, the benchmark) reads them from there so it runs the same node.
 *
 * They keep V8's heap small (e.g. `--max-semi-space-size`): uploads and downloads stream through
 * short-lived buffers, and a small young generation frees them sooner, which keeps the daemon's
 * resident memory under 300 MB during a 64 MiB add (see `npm run bench:ipfs`). `--expose-gc`
 * lets the node give the pages V8 keeps pooled back to the system after large work (memory.ts).
 *
 * The script also sets the environment the node runs in ({@link tilNodeEnv}):
 * `MALLOC_MMAP_THRESHOLD_` fixes glibc's threshold for allocating with mmap at 128 KiB. glibc
 * otherwise raises it each time a large buffer is freed, so later block-sized buffers (256 KiB)
 * come from its heap, whose freed holes stay resident: after gateway load and a 64 MiB add the
 * daemon kept 55 MB more (243 MB against 188 MB; macOS ignores the variable).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

export function tilNodeFlags(projectRoot: string): string[] {
  const words = tilScriptWords(projectRoot);
  const entry = words.indexOf("scripts/til.ts");
  return entry < 0 ? [] : words.slice(words.indexOf("node") + 1, entry).filter((word) => word.startsWith("--"));
}

/** The environment variables the "til" script sets before `node` (`NAME=value` words). */
export function tilNodeEnv(projectRoot: string): Record<string, string> {
  const words = tilScriptWords(projectRoot);
  const assignments = words.slice(0, Math.max(0, words.indexOf("node")));
  return Object.fromEntries(
    assignments.filter((word) => /^[A-Z_][A-Z0-9_]*=/.test(word)).map((word) => [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)]),
  );
}

function tilScriptWords(projectRoot: string): string[] {
  const script: string = JSON.parse(readFileSync(path.join(projectRoot, "package.json"), "utf8")).scripts?.til ?? "";
  return script.split(/\s+/);
}
