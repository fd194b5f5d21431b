/** The feed's kept EntryRevised windows: beside the EntryPublished ones, never mixed with them. */
import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import type { Address } from "viem";
import { EventCache, RevisionCache } from "../../frontend/src/feed/event-cache.ts";

const REGISTRY: Address = "0x00000000000000000000000000000000000000cc";
const revision = (tokenId: bigint, n: bigint, block: bigint) => ({
  tokenId,
  revision: n,
  digest: "0x0a" as const,
  cid: `c${n}`,
  txHash: "0x0b" as const,
  blockNumber: block,
  logIndex: 0,
});

describe("RevisionCache", () => {
  it("keeps revision windows per chain, registry and deploy block, merged into the contiguous run ending highest, apart from the entries' windows", async () => {
    const revisions = new RevisionCache(31337, REGISTRY, "0xaa");
    const entries = new EventCache(31337, REGISTRY, "0xaa");
    await entries.save(0n, 9n, []);
    await revisions.save(10n, 19n, [revision(7n, 1n, 12n)]);
    await revisions.save(20n, 29n, [revision(7n, 2n, 25n), revision(8n, 1n, 21n)]);
    await revisions.save(0n, 5n, [revision(9n, 1n, 3n)]);
    expect(await revisions.load()).toEqual({ from: 10n, to: 29n, events: [revision(7n, 2n, 25n), revision(8n, 1n, 21n), revision(7n, 1n, 12n)] });
    expect(await entries.load()).toEqual({ from: 0n, to: 9n, events: [] });
    expect(await new RevisionCache(31337, REGISTRY, "0xbb").load()).toBeUndefined();
  });
});
