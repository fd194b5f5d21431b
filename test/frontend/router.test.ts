import { describe, expect, it } from "vitest";
import { entryHref, feedHref, parseRoute } from "../../frontend/src/router.ts";

describe("hash routes", () => {
  it("parses the feed with filters", () => {
    expect(parseRoute("")).toEqual({ page: "feed", tag: undefined, author: undefined, q: undefined });
    expect(parseRoute("#/?tag=rust&q=borrow%20checker")).toEqual({ page: "feed", tag: "rust", author: undefined, q: "borrow checker" });
    expect(parseRoute(feedHref({ author: "0xabc", tag: "c++" }))).toMatchObject({ page: "feed", author: "0xabc", tag: "c++" });
  });
  it("parses entry, write, settings and unknown pages", () => {
    expect(parseRoute(entryHref("bafybeiabc"))).toEqual({ page: "entry", ref: "bafybeiabc" });
    expect(parseRoute("#/entry/123")).toEqual({ page: "entry", ref: "123" });
    expect(parseRoute("#/write")).toEqual({ page: "write" });
    expect(parseRoute("#/settings")).toEqual({ page: "settings" });
    expect(parseRoute("#/nope/x")).toEqual({ page: "not-found", path: "/nope/x" });
  });
});
