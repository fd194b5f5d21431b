/** Feed filtering: by author (from the events), by tag (from loaded metadata) and by text (metadata and, where loaded, the whole note). */
import type { IndexedEntry } from "./entries-index.ts";
import type { SummaryState } from "./metadata.ts";

export interface FeedFilters {
  tag?: string;
  author?: string;
  q?: string;
}

/** Entries matching every filter; entries whose metadata is not loaded yet do not match tag or text filters. */
export function filterEntries(
  entries: IndexedEntry[],
  filters: FeedFilters,
  summaryOf: (cid: string) => SummaryState | undefined,
  bodyOf: (cid: string) => string | undefined = () => undefined,
): IndexedEntry[] {
  const author = filters.author?.toLowerCase();
  const tag = filters.tag?.toLowerCase();
  const words = (filters.q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  if (!author && !tag && words.length === 0) return entries;
  return entries.filter((entry) => {
    if (author && entry.author.toLowerCase() !== author) return false;
    if (!tag && words.length === 0) return true;
    const state = summaryOf(entry.cid);
    if (state?.status !== "ok") return false;
    const s = state.value;
    if (tag && !s.tags.some((t) => t.toLowerCase() === tag)) return false;
    if (words.length > 0) {
      const haystack = `${s.title}\n${s.description}\n${s.tags.join(" ")}\n${entry.cid}\n${entry.author}\n${bodyOf(entry.cid) ?? ""}`.toLowerCase();
      if (!words.every((word) => haystack.includes(word))) return false;
    }
    return true;
  });
}
