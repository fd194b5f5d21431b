/**
 * Running async work over a list with a bounded number of tasks under way at once. Browser-safe.
 */

/**
 * Calls `work` for every item, at most `limit` at a time, taking items in order; rejects with the
 * first error (the tasks already started still run to their end, no new ones start).
 */
export async function forEachConcurrently<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
