/**
 * Pinning entries through the Kubo RPC API (core/entry/pin.ts) against a fake client: the files go
 * in one `add` as `<cid>/<path>`, pinned with the options that give packEntry's CID, and an entry
 * the node computes another CID for (or none) is refused with PinnedCidMismatchError.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CID } from "multiformats/cid";
import { ENTRY_ADD_OPTIONS, packEntry, type PackedEntry } from "#core/entry/pack.ts";
import { PinnedCidMismatchError, pinEntries, pinEntry, type EntryPinClient } from "#core/entry/pin.ts";

const OTHER = "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354";

/** A node that reports `rootOf(cid)` as the root of each top-level directory it is given. */
function fakeNode(rootOf: (cid: string) => string | undefined) {
  const calls: Array<{ paths: string[]; options: Record<string, unknown> }> = [];
  const client = {
    async *addAll(files: Iterable<{ path: string }>, options: Record<string, unknown>) {
      const paths = [...files].map((f) => f.path);
      calls.push({ paths, options });
      for (const path of paths) yield { path, cid: CID.parse(OTHER), size: 0 };
      for (const top of new Set(paths.map((p) => p.split("/")[0]))) {
        const root = rootOf(top);
        if (root) yield { path: top, cid: CID.parse(root), size: 0 };
      }
    },
  } as unknown as EntryPinClient;
  return { client, calls };
}

const entry = (title: string): Promise<PackedEntry> => packEntry({ title, date: "2024-03-01", tags: ["pin"], body: `${title}.\n` });

describe("pinEntry / pinEntries", () => {
  it("adds an entry's files under its CID with the entry's add options and returns the CID", async () => {
    const packed = await entry("Pinned");
    const node = fakeNode((cid) => cid);
    assert.equal(await pinEntry(node.client, packed), packed.cid);
    assert.deepEqual(
      node.calls[0].paths,
      packed.files.map((f) => `${packed.cid}/${f.path}`),
    );
    assert.deepEqual({ ...node.calls[0].options, signal: undefined }, { ...ENTRY_ADD_OPTIONS, signal: undefined });
  });

  it("refuses an entry the node pinned under another CID, or under none, naming both CIDs", async () => {
    const packed = await entry("Mismatch");
    const error = await pinEntry(fakeNode(() => OTHER).client, packed).catch((e: unknown) => e);
    assert.ok(error instanceof PinnedCidMismatchError);
    assert.equal(error.name, "PinnedCidMismatchError");
    assert.deepEqual([error.expected, error.actual], [packed.cid, OTHER]);
    assert.match(error.message, new RegExp(`pinned the entry as ${OTHER}, not as its locally computed CID ${packed.cid}`));
    const none = await pinEntry(fakeNode(() => undefined).client, packed).catch((e: unknown) => e);
    assert.ok(none instanceof PinnedCidMismatchError);
    assert.equal(none.actual, undefined);
  });

  it("pins several entries in one request and reports each one's outcome, in order", async () => {
    const [a, b] = await Promise.all([entry("A"), entry("B")]);
    const node = fakeNode((cid) => (cid === a.cid ? a.cid : OTHER));
    const pinned = await pinEntries(node.client, [a, b]);
    assert.equal(node.calls.length, 1);
    assert.deepEqual(
      pinned.map((p) => [p.cid, p.pinnedAs, p.mismatch?.name]),
      [
        [a.cid, a.cid, undefined],
        [b.cid, OTHER, "PinnedCidMismatchError"],
      ],
    );
  });

  it("lets the request's own errors through for the caller to explain", async () => {
    const packed = await entry("Offline");
    const client = {
      addAll: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new TypeError("fetch failed")) }) }),
    } as unknown as EntryPinClient;
    await assert.rejects(pinEntry(client, packed), (e: unknown) => e instanceof TypeError);
  });
});
