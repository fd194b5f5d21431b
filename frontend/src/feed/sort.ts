/**
 * The order of a list of entries: by publishing time (the registry's order, newest first) or by
 * the date the author gave the note (newest first; ties and undated notes in publishing order,
 * undated ones and those not loaded yet after every dated one).
 */
import type { IndexedEntry } from "./entries-index.ts";
import type { FeedSort } from "../router.ts";

/** `entries` newest published first; `dateOf` the note's date (YYYY-MM-DD...) when known. */
export function sortEntries(entries: IndexedEntry[], sort: FeedSort, dateOf: (cid: string) => string | undefined): IndexedEntry[] {
  if (sort === "published") return entries;
  const keyed = entries.map((entry, order) => ({ entry, order, date: dateOf(entry.cid) }));
  keyed.sort((a, b) => {
    if (a.date !== b.date) {
      if (a.date === undefined) return 1;
      if (b.date === undefined) return -1;
      return a.date < b.date ? 1 : -1;
    }
    return a.order - b.order;
  });
  return keyed.map((k) => k.entry);
}
