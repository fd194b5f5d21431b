import { describe, expect, it } from "vitest";
import { render } from "@testing-library/react";
import { Identicon, identiconOf } from "../../frontend/src/ui/Identicon.tsx";
import { sortEntries } from "../../frontend/src/feed/sort.ts";
import type { IndexedEntry } from "../../frontend/src/feed/entries-index.ts";

describe("identicons", () => {
  it("are the same for the same address, whatever its case, and differ between addresses", () => {
    const a = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    expect(identiconOf(a)).toEqual(identiconOf(a.toLowerCase()));
    expect(identiconOf(a)).not.toEqual(identiconOf("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
    expect(identiconOf("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267")).not.toEqual(identiconOf(a));
  });
  it("draw a mirrored 5×5 pattern as inline SVG, no image request", () => {
    const { container } = render(<Identicon address="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" />);
    const rects = Array.from(container.querySelectorAll("g rect"), (r) => `${r.getAttribute("x")},${r.getAttribute("y")}`);
    for (const cell of rects) {
      const [x, y] = cell.split(",").map(Number);
      expect(rects).toContain(`${4 - x},${y}`);
    }
    expect(container.querySelector("image, img, use")).toBeNull();
  });
});

describe("sortEntries", () => {
  const entry = (cid: string) => ({ cid }) as IndexedEntry;
  const entries = ["a", "b", "c", "d"].map(entry); // newest published first
  const dates: Record<string, string | undefined> = { a: "2024-01-01", b: undefined, c: "2024-05-01", d: "2024-01-01" };
  it("keeps publishing order", () => {
    expect(sortEntries(entries, "published", (cid) => dates[cid])).toBe(entries);
  });
  it("orders by note date, newest first, ties in publishing order, undated last", () => {
    expect(sortEntries(entries, "date", (cid) => dates[cid]).map((e) => e.cid)).toEqual(["c", "a", "d", "b"]);
  });
});
