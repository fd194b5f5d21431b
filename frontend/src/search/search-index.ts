/**
 * An inverted index over entries, in memory: normalized terms (from title, description, tags,
 * CID, author and the whole note) -> the entries that hold them, and tags -> entries. Entries get
 * small numbers in the order they are added; postings are arrays of those numbers, so 10,000
 * entries of a few hundred distinct words each take a few megabytes.
 *
 * Every word of a query must match. A word matches the terms that contain it ("script" finds
 * "javascript", "gres" finds "postgres"); a word shorter than {@link MIN_INFIX_LENGTH} only the
 * terms it starts ("go" finds "golang", not "algorithm"). The terms containing a word are found
 * by one scan of the vocabulary held as one string (each term after a space): a string search
 * over a few megabytes takes milliseconds and costs no more memory than the vocabulary itself,
 * where an n-gram index would keep several postings per character of every term. Then one pass
 * over those terms' postings, and one over the feed's entries to keep their order.
 */

/** Query words shorter than this match the start of a term only (inside words they match nearly everything). */
const MIN_INFIX_LENGTH = 3;
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
  /** Every term, each after a space (terms are letters and digits only); rebuilt lazily after additions. */
  #vocabulary: string | undefined;

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
        this.#vocabulary = undefined;
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
   * The entries (of those indexed) that match: every word of `query` inside one of their terms (a
   * short word at a term's start), and `tag` (case and accents ignored) among their tags. Undefined when there is nothing
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
      for (const term of this.#termsMatching(word)) for (const id of this.#postings.get(term)!) hits[id] = 1;
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

  /** Terms containing `word` (starting with it, when it is short), by a scan of the vocabulary. */
  #termsMatching(word: string): string[] {
    this.#vocabulary ??= ` ${[...this.#postings.keys()].join(" ")} `;
    const text = this.#vocabulary;
    const needle = word.length < MIN_INFIX_LENGTH ? ` ${word}` : word;
    const out: string[] = [];
    for (let at = text.indexOf(needle); at !== -1; ) {
      const start = text.lastIndexOf(" ", at) + 1;
      const end = text.indexOf(" ", at + needle.length);
      out.push(text.slice(start, end));
      at = text.indexOf(needle, end);
    }
    return out;
  }
}
