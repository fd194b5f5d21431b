/**
 * Feed filtering: by author (from the events) and by tag and text through the search index
 * (../search/search-index.ts: metadata and the whole note of every entry indexed so far).
 */
import type { IndexedEntry } from "./entries-index.ts";
import type { SearchIndex } from "../search/search-index.ts";

export interface FeedFilters {
  tag?: string;
  author?: string;
  q?: string;
}

/**
 * Entries matching every filter, in the order given; entries not indexed yet do not match tag or
 * text filters. Without filters, the same array.
 */
export function filterEntries(entries: IndexedEntry[], filters: FeedFilters, index: SearchIndex): IndexedEntry[] {
  const author = filters.author?.toLowerCase();
  const matches = index.match(filters.q, filters.tag);
  if (!author && !matches) return entries;
  return entries.filter((entry) => (!author || entry.author.toLowerCase() === author) && (!matches || matches.has(entry.cid)));
}
