/**
 * The feed's search index (frontend/src/search/): terms normalized (case, accents), words matched
 * inside terms (short ones by their start), tags and text together, over 10,000 entries; the
 * indexer reads each entry's metadata and note once, keeps the result in IndexedDB by CID (a
 * second visit reads nothing from the network), counts progress, and hands summaries to the feed.
 * Also the feed's event cache: stored windows merged into the contiguous run ending highest.
 */
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import type { Address, Hex } from "viem";
import { SearchIndex, termsOf, MAX_TERM_LENGTH } from "../../frontend/src/search/search-index.ts";
import { EntryIndexer } from "../../frontend/src/search/entry-indexer.ts";
import { summaries } from "../../frontend/src/feed/metadata.ts";
import { contiguousFromTop, EventCache, type StoredWindow } from "../../frontend/src/feed/event-cache.ts";
import { filterEntries } from "../../frontend/src/feed/filter.ts";
import type { IndexedEntry } from "../../frontend/src/feed/entries-index.ts";
import { tagsOfNote } from "../support/generated-notes.ts";

const AUTHOR: Address = "0x00000000000000000000000000000000000000aa";
const entry = (n: number, cid = `cid${n}`): IndexedEntry => ({
  tokenId: BigInt(n),
  author: AUTHOR,
  digest: "0x00",
  cid,
  txHash: "0x00",
  blockNumber: BigInt(n),
  logIndex: 0,
});

describe("search terms", () => {
  it("are lower case without accents, split on anything but letters and digits, long ones cut", () => {
    expect([...termsOf("Ça marche: Zürich's `fn main()` 42x!")]).toEqual(["ca", "marche", "zurich", "s", "fn", "main", "42x"]);
    expect([...termsOf("a".repeat(100))]).toEqual(["a".repeat(MAX_TERM_LENGTH)]);
  });

  it("match every word by its start, tags case-insensitively, and nothing when the index lacks the entry", () => {
    const index = new SearchIndex();
    index.add("a", { terms: [...termsOf("Databases and indexes in Postgres")], tags: ["DB", "postgres"] });
    index.add("b", { terms: [...termsOf("Data races in Go")], tags: ["go"] });
    expect(index.match("data")).toEqual(new Set(["a", "b"]));
    expect(index.match("DATA go")).toEqual(new Set(["b"]));
    expect(index.match(undefined, "db")).toEqual(new Set(["a"]));
    expect(index.match("races", "db")).toEqual(new Set());
    expect(index.match("zeppelin")).toEqual(new Set());
    expect(index.match("  ")).toBeUndefined();
    expect(index.topTags(2)).toEqual([
      ["DB", 1],
      ["go", 1],
    ]);
  });

  it("match words inside terms too (javascript for script, postgres for gres), short words only at a term's start", () => {
    const index = new SearchIndex();
    index.add("js", { terms: [...termsOf("JavaScript closures capture variables")], tags: ["js"] });
    index.add("pg", { terms: [...termsOf("Postgres: LATERAL joins")], tags: ["sql"] });
    index.add("algo", { terms: [...termsOf("An algorithm for Mongo shards")], tags: [] });
    index.add("golang", { terms: [...termsOf("Golang channels")], tags: [] });
    expect(index.match("script")).toEqual(new Set(["js"]));
    expect(index.match("gres")).toEqual(new Set(["pg"]));
    expect(index.match("ateral gres")).toEqual(new Set(["pg"])); // every word, each inside some term
    expect(index.match("ateral script")).toEqual(new Set());
    expect(index.match("SCRÎPT")).toEqual(new Set(["js"])); // normalized like the terms
    expect(index.match("go")).toEqual(new Set(["golang"])); // not algorithm, not mongo
    expect(index.match("ngo")).toEqual(new Set(["algo"])); // three letters: inside "mongo"
    expect(index.match("lang")).toEqual(new Set(["golang"]));
    expect(index.match("scriptx")).toEqual(new Set());
    // A term added after a search is found by the next one.
    index.add("ts", { terms: [...termsOf("TypeScript generics")], tags: [] });
    expect(index.match("script")).toEqual(new Set(["js", "ts"]));
    expect(index.match("generic")).toEqual(new Set(["ts"]));
  });

  it("answer a word, a word inside terms and a tag over 10,000 entries, newest first as the feed lists them", () => {
    const index = new SearchIndex();
    const entries: IndexedEntry[] = [];
    for (let i = 10_000; i >= 1; i--) entries.push(entry(i));
    for (let i = 1; i <= 10_000; i++) {
      const tags = tagsOfNote(i);
      const body = `TIL #${i}: ${tags[0]} detail. Entry number ${i}: something learned about ${tags.join(" and ")}. point one for ${i}, export const value${i} = ${i} * 2; word${i % 997} filler${i % 13}`;
      index.add(`cid${i}`, { terms: [...termsOf(body)], tags });
    }
    // Speed is measured by npm run bench:frontend (search and tag filter at 2,500 entries, heap at 10,000).
    const found = filterEntries(entries, { q: "unicode detail" }, index);
    expect(found.length).toBe(1_000); // i % 20 = 18 (first tag) or 14 (second)
    expect(found[0].tokenId).toBe(9_998n); // newest first
    expect(filterEntries(entries, { q: "nicod etai" }, index)).toEqual(found); // inside the words
    expect(filterEntries(entries, { q: "alue9999" }, index).map((e) => e.cid)).toEqual(["cid9999"]);
    expect(filterEntries(entries, { tag: "Rust" }, index).length).toBe(500); // i % 20 = 0 (both tags)
  });
});

describe("EntryIndexer", () => {
  const files = (n: number): Record<string, string> => ({
    "metadata.json": JSON.stringify({ name: `Note ${n}`, description: "short", properties: { title: `Note ${n}`, tags: n % 2 ? ["odd"] : ["even"] } }),
    "index.md": `# Note ${n}\n\nA longer body with the word ${n % 3 === 0 ? "zeppelin" : "balloon"} far past the excerpt.`,
  });

  it("indexes metadata and full text of every entry, counts progress, keeps records in IndexedDB so a second visit reads nothing", async () => {
    const reads: string[] = [];
    const read = async (cid: string, path: string) => {
      reads.push(`${cid}/${path}`);
      await new Promise((r) => setTimeout(r, 1));
      if (cid === "bomb") throw Object.assign(new Error("index.md declares 2.0 GB; entries are at most 10 MiB"), { name: "EntryLimitError" });
      if (cid === "gone") throw new Error("all gateways failed");
      return files(Number(cid.slice(1)))[path];
    };
    const entries = [...Array.from({ length: 30 }, (_, i) => entry(i + 1, `x${i + 1}`)), entry(99, "bomb"), entry(98, "gone")];
    const first = new EntryIndexer(read);
    first.add(entries);
    first.add(entries); // again (the feed re-renders): nothing queued twice
    await expect.poll(() => first.progress().indexed + first.failed, { timeout: 5_000 }).toBe(32);
    expect(first.progress()).toEqual({ indexed: 31, total: 32 });
    expect(first.failed).toBe(1);
    expect(reads.length).toBe(30 * 2 + 1 + 1);
    expect(first.index.match("zeppelin")?.size).toBe(10);
    expect(first.index.topTags(5)).toEqual([
      ["even", 15],
      ["odd", 15],
    ]);
    expect(summaries.get("x4")).toEqual({ status: "ok", value: { title: "Note 4", date: undefined, tags: ["even"], description: "short" } });
    expect(summaries.get("bomb")).toMatchObject({ status: "error", refused: true });

    await new Promise((r) => setTimeout(r, 700)); // the batched IndexedDB write
    reads.length = 0;
    const second = new EntryIndexer(read);
    second.add(entries);
    await expect.poll(() => second.progress().indexed + second.failed, { timeout: 5_000 }).toBe(32);
    expect(reads).toEqual(["gone/metadata.json"]); // only what could not be read before
    expect(second.index.match("zeppelin balloon")?.size).toBe(0);
    expect(second.index.match("zeppelin")?.size).toBe(10);
  });
});

describe("event cache", () => {
  const ev = (block: number): StoredWindow["events"][number] => [String(block), AUTHOR, "0x01" as Hex, `cid${block}`, "0x02" as Hex, String(block), 0];
  const w = (from: number, to: number, blocks: number[]): StoredWindow => ({ from: String(from), to: String(to), events: blocks.map(ev) });

  it("merges the contiguous run of windows ending highest, each event once, newest first; a gap ends it", () => {
    const range = contiguousFromTop([w(0, 9, [3]), w(100, 199, [150, 120]), w(200, 300, [250]), w(150, 250, [150, 250]), w(20, 99, [50])])!;
    expect([range.from, range.to]).toEqual([20n, 300n]);
    expect(range.events.map((e) => e.blockNumber)).toEqual([250n, 150n, 120n, 50n]);
    expect(contiguousFromTop([])).toBeUndefined();
  });

  it("keeps windows in IndexedDB per chain, registry and deploy block hash", async () => {
    const cache = new EventCache(31337, AUTHOR, "0xaa");
    await cache.save(10n, 19n, [{ tokenId: 1n, author: AUTHOR, digest: "0x01", cid: "c1", txHash: "0x02", blockNumber: 12n, logIndex: 3 }]);
    await cache.save(20n, 29n, []);
    expect(await cache.load()).toEqual({
      from: 10n,
      to: 29n,
      events: [{ tokenId: 1n, author: AUTHOR, digest: "0x01", cid: "c1", txHash: "0x02", blockNumber: 12n, logIndex: 3 }],
    });
    expect(await new EventCache(31337, AUTHOR, "0xbb").load()).toBeUndefined();
  });
});
