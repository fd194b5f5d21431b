/**
 * An inverted index over entries, in memory: normalized terms (from title, description, tags,
 * CID, author and the whole note) -> the entries that hold them, and tags -> entries. Entries get
 * small numbers in the order they are added; postings are arrays of those numbers, so 10,000
 * entries of a few hundred distinct words each take a few megabytes. A query is answered in one
 * pass over the matching postings (every word must match, as a prefix of a term: "data" finds
 * "databases"), then one pass over the feed's entries to keep their order.
 */

/** Distinct terms kept per entry: a huge note is indexed by its first ones. */
const MAX_TERMS_PER_ENTRY = 20_000;
/** Longer terms are cut to this length (a query word is cut the same way). */
export const MAX_TERM_LENGTH = 32;

/** What the index keeps of one entry: its distinct terms and its tags (as written). */
export interface EntryTerms {
  terms: string[];
  tags: string[];
}

/** Lower case, accents dropped (NFKD, combining marks removed): "Ça" and "ca" are the same word. */
function normalize(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** The distinct normalized terms of `text`: runs of letters and digits, at most {@link MAX_TERM_LENGTH} long. */
export function termsOf(text: string, into = new Set<string>()): Set<string> {
  for (const match of normalize(text).matchAll(/[\p{L}\p{N}]+/gu)) {
    if (into.size >= MAX_TERMS_PER_ENTRY) break;
    into.add(match[0].length > MAX_TERM_LENGTH ? match[0].slice(0, MAX_TERM_LENGTH) : match[0]);
  }
  return into;
}

export class SearchIndex {
  /** Entry number by CID, and the CIDs by number. */
  readonly #ids = new Map<string, number>();
  readonly #postings = new Map<string, number[]>();
  readonly #tags = new Map<string, { label: string; ids: number[] }>();
  /** Terms sorted, for prefix matching; rebuilt lazily after additions. */
  #sortedTerms: string[] | undefined;

  /** Entries indexed. */
  get size(): number {
    return this.#ids.size;
  }

  has(cid: string): boolean {
    return this.#ids.has(cid);
  }

  /** Indexes an entry once (content never changes under a CID: adding it again does nothing). */
  add(cid: string, entry: EntryTerms): void {
    if (this.#ids.has(cid)) return;
    const id = this.#ids.size;
    this.#ids.set(cid, id);
    for (const term of entry.terms) {
      const list = this.#postings.get(term);
      if (list) {
        if (list[list.length - 1] !== id) list.push(id);
      } else {
        this.#postings.set(term, [id]);
        this.#sortedTerms = undefined;
      }
    }
    const seen = new Set<string>();
    for (const tag of entry.tags) {
      const key = normalize(tag);
      if (seen.has(key)) continue;
      seen.add(key);
      const group = this.#tags.get(key);
      if (group) group.ids.push(id);
      else this.#tags.set(key, { label: tag, ids: [id] });
    }
  }

  /**
   * The entries (of those indexed) that match: every word of `query` as a prefix of one of their
   * terms, and `tag` (case and accents ignored) among their tags. Undefined when there is nothing
   * to match (no words, no tag): everything matches.
   */
  match(query: string | undefined, tag?: string): Set<string> | undefined {
    const words = [...termsOf(query ?? "")];
    if (words.length === 0 && !tag) return undefined;
    let ids: Uint8Array | undefined;
    const n = this.#ids.size;
    const narrow = (hits: Uint8Array) => {
      if (!ids) ids = hits;
      else for (let i = 0; i < n; i++) ids[i] &= hits[i];
    };
    if (tag) {
      const hits = new Uint8Array(n);
      for (const id of this.#tags.get(normalize(tag))?.ids ?? []) hits[id] = 1;
      narrow(hits);
    }
    for (const word of words) {
      const hits = new Uint8Array(n);
      for (const term of this.#termsStartingWith(word)) for (const id of this.#postings.get(term)!) hits[id] = 1;
      narrow(hits);
    }
    const out = new Set<string>();
    for (const [cid, id] of this.#ids) if (ids![id]) out.add(cid);
    return out;
  }

  /** The most used tags (as first written) with their counts, most used first. */
  topTags(limit: number): Array<[string, number]> {
    return [...this.#tags.values()]
      .sort((a, b) => b.ids.length - a.ids.length || (a.label < b.label ? -1 : 1))
      .slice(0, limit)
      .map((g) => [g.label, g.ids.length]);
  }

  /** Terms with `prefix`, by binary search over the sorted vocabulary. */
  #termsStartingWith(prefix: string): string[] {
    this.#sortedTerms ??= [...this.#postings.keys()].sort();
    const terms = this.#sortedTerms;
    let lo = 0;
    let hi = terms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (terms[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < terms.length && terms[i].startsWith(prefix); i++) out.push(terms[i]);
    return out;
  }
}
