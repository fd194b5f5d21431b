/**
 * Giving freed memory back to the system after work that churned through a lot of it (a large
 * add, gc's mark and sweep). V8 (Node 24) keeps the pages a garbage collection frees in a pool
 * for reuse, resident: after a 1,000,000-block add the daemon held ~100 MB of such pages beside a
 * ~50 MB heap, and the ordinary collections never return them. Only a memory-reducing collection
 * does, which Node offers through `gc()` with `flavor: "last-resort"` when started with
 * `--expose-gc` (the daemon's flags, package.json's "til" script). Without that flag this does
 * nothing. A call costs one full collection of the live heap (tens of ms), so it is made only
 * after work of many blocks, and by {@link MemoryReturner} when resident memory has grown.
 */
type GcFunction = (options: { type: "major"; execution: "sync"; flavor: "last-resort" }) => void;

export function returnFreedMemory(): void {
  const collect = (globalThis as { gc?: GcFunction }).gc;
  collect?.({ type: "major", execution: "sync", flavor: "last-resort" });
}

/**
 * Gives freed memory back whenever the process's resident memory has grown by `growthBytes` since
 * the last time (checked every `everyMs`), whatever made it grow: gateway load, adds, walks. What
 * stays resident after a return (live data, the allocator's own) is the new floor, so memory that
 * cannot be given back does not make it collect again and again.
 */
export class MemoryReturner {
  readonly #growthBytes: number;
  readonly #timer: NodeJS.Timeout;
  #floor = process.memoryUsage.rss();

  constructor(growthBytes = 32 * 1024 * 1024, everyMs = 1000) {
    this.#growthBytes = growthBytes;
    this.#timer = setInterval(() => {
      if (process.memoryUsage.rss() > this.#floor + this.#growthBytes) this.returnNow();
    }, everyMs).unref();
  }

  returnNow(): void {
    returnFreedMemory();
    this.#floor = process.memoryUsage.rss();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
