/**
 * Giving freed memory back to the system after work that churned through a lot of it (a large
 * add, gc's mark and sweep). V8 (Node 24) keeps the pages a garbage collection frees in a pool
 * for reuse, resident: after a 1,000,000-block add the daemon held ~100 MB of such pages beside a
 * ~50 MB heap, and the ordinary collections never return them. Only a memory-reducing collection
 * does, which Node offers through `gc()` with `flavor: "last-resort"` when started with
 * `--expose-gc` (the daemon's flags, package.json's "til" script). Without that flag this does
 * nothing. A call costs one full collection of the live heap (tens of ms), so it is made only
 * after work of many blocks.
 */
type GcFunction = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export function returnFreedMemory(): void {
  const collect = (globalThis as { gc?: GcFunction }).gc;
  collect?.({ type: "major", execution: "sync", flavor: "last-resort" });
}
