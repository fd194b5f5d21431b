import { describe, expect, it } from "vitest";
import { authorHref, editHref, entryHref, feedHref, listHref, parseRoute, tagHref } from "../../frontend/src/router.ts";

describe("hash routes", () => {
  it("parses the feed with filters", () => {
    expect(parseRoute("")).toEqual({ page: "feed", tag: undefined, author: undefined, q: undefined, sort: "date" });
    expect(parseRoute("#/?tag=rust&q=borrow%20checker")).toEqual({ page: "feed", tag: "rust", author: undefined, q: "borrow checker", sort: "date" });
    expect(parseRoute(feedHref({ author: "0xabc", tag: "c++" }))).toMatchObject({ page: "feed", author: "0xabc", tag: "c++" });
  });
  it("parses entry, write, settings and unknown pages", () => {
    expect(parseRoute(entryHref("bafybeiabc"))).toEqual({ page: "entry", ref: "bafybeiabc" });
    expect(parseRoute("#/entry/123")).toEqual({ page: "entry", ref: "123" });
    expect(parseRoute("#/write")).toEqual({ page: "write" });
    expect(parseRoute("#/settings")).toEqual({ page: "settings" });
    expect(parseRoute("#/nope/x")).toEqual({ page: "not-found", path: "/nope/x" });
  });

  it("parses the editor of a revision and a note's stable link (metadata external_url)", () => {
    expect(parseRoute(editHref(123n))).toEqual({ page: "edit", tokenId: "123" });
    const key = `0x${"ab".repeat(32)}`;
    expect(parseRoute(`#/note/0xAbC/${key}`)).toEqual({ page: "note", author: "0xAbC", noteKey: key });
    expect(parseRoute("#/note/0xAbC")).toEqual({ page: "not-found", path: "/note/0xAbC" });
  });

  it("parses author and tag pages, and keeps the order in the query", () => {
    expect(parseRoute(authorHref("0xAbC"))).toEqual({ page: "author", author: "0xAbC", q: undefined, sort: "date" });
    expect(parseRoute(tagHref("c++/rust", { sort: "published" }))).toEqual({ page: "tag", tag: "c++/rust", q: undefined, sort: "published" });
    expect(tagHref("x", { sort: "date" })).toBe("#/tag/x");
    expect(listHref(parseRoute("#/author/0xabc?q=vacuum"), { q: "vacuum", sort: "published" })).toBe("#/author/0xabc?q=vacuum&sort=published");
    expect(parseRoute("#/tag/%E0%A4%A")).toEqual({ page: "not-found", path: "/tag/%E0%A4%A" });
  });
});
