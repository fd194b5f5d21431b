import { describe, expect, it, vi } from "vitest";
import { filterEntries } from "../../frontend/src/feed/filter.ts";
import { summaryOf, type SummaryState } from "../../frontend/src/feed/metadata.ts";
import type { IndexedEntry } from "../../frontend/src/feed/entries-index.ts";
import type { EntryMetadata } from "../../core/entry/pack.ts";

const entry = (cid: string, author: `0x${string}`): IndexedEntry => ({ tokenId: 1n, author, digest: "0x00", cid, txHash: "0x00", blockNumber: 1n, logIndex: 0 });
const A = "0x00000000000000000000000000000000000000aa";
const B = "0x00000000000000000000000000000000000000bb";
const entries = [entry("c3", A), entry("c2", B), entry("c1", A)];
const states: Record<string, SummaryState> = {
  c3: { status: "ok", value: { title: "Rust lifetimes", tags: ["rust"], description: "borrow checker notes" } },
  c2: { status: "ok", value: { title: "SQL joins", tags: ["sql", "DB"], description: "" } },
  c1: { status: "error", error: "gone" },
};

describe("feed filters", () => {
  it("keep everything without filters (same array)", () => {
    expect(filterEntries(entries, {}, (c) => states[c])).toBe(entries);
  });
  it("filter by author (case-insensitive) without metadata", () => {
    expect(filterEntries(entries, { author: A.toUpperCase().replace("0X", "0x") }, () => undefined).map((e) => e.cid)).toEqual(["c3", "c1"]);
  });
  it("filter by tag (case-insensitive) and text over loaded metadata", () => {
    expect(filterEntries(entries, { tag: "db" }, (c) => states[c]).map((e) => e.cid)).toEqual(["c2"]);
    expect(filterEntries(entries, { q: "BORROW rust" }, (c) => states[c]).map((e) => e.cid)).toEqual(["c3"]);
    expect(filterEntries(entries, { q: "rust", author: B }, (c) => states[c])).toEqual([]);
  });
  it("search the whole note where it is loaded, past the metadata's excerpt", () => {
    const bodies: Record<string, string> = { c2: "# SQL joins\n\nA LATERAL join runs the subquery per row." };
    expect(filterEntries(entries, { q: "lateral" }, (c) => states[c]).map((e) => e.cid)).toEqual([]);
    expect(filterEntries(entries, { q: "lateral" }, (c) => states[c], (c) => bodies[c]).map((e) => e.cid)).toEqual(["c2"]);
  });
  it("reads summaries defensively from untrusted metadata", () => {
    expect(summaryOf({ name: "N", properties: { title: 5, tags: ["a", 3, null], date: "2024-01-01" } } as unknown as EntryMetadata)).toEqual({ title: "N", date: "2024-01-01", tags: ["a"], description: "" });
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
