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
 * The share of the process's time the periodic returns may take. Under sustained work (a mirror
 * fetching thousands of blocks) memory grows back within a second of each return, and returning
 * it every second cost 13% of the node's CPU (two full collections of 55-80 ms each time,
 * measured with --trace-gc during bench:network's mirror); spaced by their own cost, returns take
 * at most this share, and an idle node still gives memory back within seconds of the work.
 */
const RETURN_TIME_SHARE = 0.02;

/**
 * Gives freed memory back whenever the process's resident memory has grown by `growthBytes` since
 * the last time (checked every `everyMs`, and no sooner after a return than its duration allows
 * under RETURN_TIME_SHARE), whatever made it grow: gateway load, adds, walks. What stays resident
 * after a return (live data, the allocator's own) is the new floor, so memory that cannot be given
 * back does not make it collect again and again.
 */
export class MemoryReturner {
  readonly #growthBytes: number;
  readonly #timer: NodeJS.Timeout;
  #floor = process.memoryUsage.rss();
  /** When the next periodic return may run (performance.now()). */
  #notBefore = 0;

  readonly #collect: () => void;

  /** `collect`: what a return runs (a memory-reducing collection; tests pass their own). */
  constructor(growthBytes = 32 * 1024 * 1024, everyMs = 1000, collect: () => void = returnFreedMemory) {
    this.#growthBytes = growthBytes;
    this.#collect = collect;
    this.#timer = setInterval(() => {
      if (performance.now() >= this.#notBefore && process.memoryUsage.rss() > this.#floor + this.#growthBytes) this.returnNow();
    }, everyMs).unref();
  }

  returnNow(): void {
    const started = performance.now();
    this.#collect();
    const ended = performance.now();
    this.#notBefore = ended + (ended - started) / RETURN_TIME_SHARE;
    this.#floor = process.memoryUsage.rss();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
