import { describe, expect, it, vi } from "vitest";
import { filterEntries } from "../../frontend/src/feed/filter.ts";
import { summaryOf } from "../../frontend/src/feed/metadata.ts";
import { SearchIndex, termsOf } from "../../frontend/src/search/search-index.ts";
import type { IndexedEntry } from "../../frontend/src/feed/entries-index.ts";
import type { EntryMetadata } from "#core/entry/pack.ts";

const entry = (cid: string, author: `0x${string}`): IndexedEntry => ({
  tokenId: 1n,
  author,
  digest: "0x00",
  cid,
  txHash: "0x00",
  blockNumber: 1n,
  logIndex: 0,
});
const A = "0x00000000000000000000000000000000000000aa";
const B = "0x00000000000000000000000000000000000000bb";
const entries = [entry("c3", A), entry("c2", B), entry("c1", A)];

describe("feed filters", () => {
  // c3 and c2 indexed (metadata and body); c1 not indexed yet (or unreadable).
  const index = new SearchIndex();
  index.add("c3", { terms: [...termsOf("Rust lifetimes\nborrow checker notes\nrust")], tags: ["rust"] });
  index.add("c2", { terms: [...termsOf("SQL joins\n\nsql DB\n# SQL joins\n\nA LATERAL join runs the subquery per row.")], tags: ["sql", "DB"] });

  it("keep everything without filters (same array)", () => {
    expect(filterEntries(entries, {}, index)).toBe(entries);
  });
  it("filter by author (case-insensitive) without the index", () => {
    expect(filterEntries(entries, { author: A.toUpperCase().replace("0X", "0x") }, new SearchIndex()).map((e) => e.cid)).toEqual(["c3", "c1"]);
  });
  it("filter by tag (case-insensitive) and text through the index", () => {
    expect(filterEntries(entries, { tag: "db" }, index).map((e) => e.cid)).toEqual(["c2"]);
    expect(filterEntries(entries, { q: "BORROW rust" }, index).map((e) => e.cid)).toEqual(["c3"]);
    expect(filterEntries(entries, { q: "rust", author: B }, index)).toEqual([]);
  });
  it("search the whole note, past the metadata's excerpt, and words by their start", () => {
    expect(filterEntries(entries, { q: "lateral" }, index).map((e) => e.cid)).toEqual(["c2"]);
    expect(filterEntries(entries, { q: "subq" }, index).map((e) => e.cid)).toEqual(["c2"]);
    expect(filterEntries(entries, { q: "lateral rust" }, index).map((e) => e.cid)).toEqual([]);
  });
  it("reads summaries defensively from untrusted metadata", () => {
    expect(summaryOf({ name: "N", properties: { title: 5, tags: ["a", 3, null], date: "2024-01-01" } } as unknown as EntryMetadata)).toEqual({
      title: "N",
      date: "2024-01-01",
      tags: ["a"],
      description: "",
    });
    expect(summaryOf(null as unknown as EntryMetadata).title).toBe("(untitled)");
  });
});

describe("SummaryLoader queue", () => {
  it("loads every requested entry even when urgent requests reorder the queue mid-flight", async () => {
    const { SummaryLoader } = await import("../../frontend/src/feed/metadata.ts");
    const reader = await import("../../frontend/src/ipfs/reader.ts");
    const loaded: string[] = [];
    const spy = vi.spyOn(reader, "readVerified").mockImplementation(async (cid: string) => {
      await new Promise((r) => setTimeout(r, 5));
      loaded.push(cid);
      return { bytes: new TextEncoder().encode(JSON.stringify({ name: cid, properties: { title: cid, tags: [] } })), servedBy: [], failures: [] };
    });
    const loader = new SummaryLoader();
    const cids = Array.from({ length: 30 }, (_, i) => `c${i}`);
    loader.request(cids);
    loader.request(cids.slice(0, 10), true); // some already loading
    loader.request(cids.slice(20), true);
    await vi.waitFor(() => expect(loader.loadedCount).toBe(30), { timeout: 2000 });
    expect(new Set(loaded).size).toBe(30);
    expect(loaded.length).toBe(30);
    spy.mockRestore();
  });
});
