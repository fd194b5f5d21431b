/**
 * The feed's loaders (frontend/src/feed/metadata.ts) with an entry over the read limits: its row
 * state says it was refused and why, and the other entries load as usual.
 */
import { describe, expect, it, vi } from "vitest";
import { EntryLimitError } from "#core/retrieve/entry-reader.ts";

describe("feed loaders and entries over the read limits", () => {
  it("mark a refused entry as refused, naming the limit, and load the others", async () => {
    const { SummaryLoader } = await import("../../frontend/src/feed/metadata.ts");
    const reader = await import("../../frontend/src/ipfs/reader.ts");
    const spy = vi.spyOn(reader, "readVerified").mockImplementation(async (cid: string) => {
      if (cid === "bomb")
        throw new EntryLimitError("declared-size", "metadata.json", 10 * 1024 * 1024, "metadata.json declares 2.0 GB; entries are at most 10 MiB");
      if (cid === "gone") throw new Error("No gateway returned block x with matching bytes");
      return { bytes: new TextEncoder().encode(JSON.stringify({ name: cid, properties: { title: cid, tags: [] } })), servedBy: [], failures: [] };
    });
    const loader = new SummaryLoader();
    loader.request(["a", "bomb", "gone", "b"]);
    await vi.waitFor(() => expect(loader.loadedCount).toBe(4), { timeout: 2000 });
    expect(loader.get("bomb")).toEqual({ status: "error", error: "metadata.json declares 2.0 GB; entries are at most 10 MiB", refused: true });
    expect(loader.get("gone")).toMatchObject({ status: "error", refused: false });
    expect(loader.get("a")).toMatchObject({ status: "ok", value: { title: "a" } });
    expect(loader.get("b")).toMatchObject({ status: "ok", value: { title: "b" } });
    spy.mockRestore();
  });
});
