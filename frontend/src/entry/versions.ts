/**
 * Every version of an entry: its digests from the registry (`digestAt(tokenId, n)` for n = 0, the
 * version first published, to `revisionCount`), the dates from the block of its EntryRevised event
 * (core/contract/registry-events.ts, through the app's reader), and, per version, whether its
 * content checks out: read verified against its CID, naming the token's author, and linking the
 * version before it (metadata.json `previous`, format v2), so the history holds off-chain too.
 */
import type { Hex } from "viem";
import { digestToCid } from "#core/cid.ts";
import { readEntryMetadata, type EntryMetadataView } from "#core/entry/metadata.ts";
import { deployBlock, entryEvents, publicClient, registry, type EntryFacts } from "../chain/registry.ts";
import { readVerified, textOf } from "../ipfs/reader.ts";
import { messageOf } from "../errors.ts";

export interface EntryVersion {
  /** 0: as first published; 1, 2, ...: revisions. */
  revision: number;
  cid: string;
  digest: Hex;
  /** Unix seconds of the block that recorded it, when known. */
  timestamp?: number;
  txHash?: Hex;
}

/** The versions listed at most (the newest ones): a token holds up to 32,767. */
const MAX_VERSIONS_SHOWN = 100;

/**
 * The token's versions, oldest first (at most the newest {@link MAX_VERSIONS_SHOWN}).
 * @param facts the token's registry record (readEntryFacts)
 */
export async function readVersions(facts: EntryFacts): Promise<EntryVersion[]> {
  const last = facts.revisionCount;
  const first = Math.max(0, last - MAX_VERSIONS_SHOWN + 1);
  const numbers = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const [digests, events] = await Promise.all([
    Promise.all(numbers.map((n) => publicClient.readContract({ ...registry, functionName: "digestAt", args: [facts.tokenId, BigInt(n)] }))),
    last > 0 ? entryEvents.readRevisions(deployBlock(), undefined, { tokenId: facts.tokenId }) : Promise.resolve([]),
  ]);
  const byRevision = new Map(events.map((event) => [Number(event.revision), event]));
  const blocks = [...new Set(events.map((event) => event.blockNumber))];
  const times = new Map(
    await Promise.all(blocks.map(async (blockNumber) => [blockNumber, Number((await publicClient.getBlock({ blockNumber })).timestamp)] as const)),
  );
  return numbers.map((revision, i) => {
    const event = byRevision.get(revision);
    return {
      revision,
      cid: digestToCid(digests[i]),
      digest: digests[i],
      timestamp: revision === 0 ? facts.publishedAt : event ? times.get(event.blockNumber) : undefined,
      ...(event ? { txHash: event.txHash } : {}),
    };
  });
}

/**
 * What checking one version found:
 * - `verified`: its bytes matched its CID, it names the token's author and links the version
 *   before it (or is the first);
 * - `unlinked`: its bytes matched, but it is an entry of format v1, which names neither;
 * - `mismatch`: its bytes matched, but it names another author or links another predecessor;
 * - `error`: it could not be read (the reason says why).
 */
export type VersionCheck =
  | { status: "verified"; metadata: EntryMetadataView }
  | { status: "unlinked"; metadata: EntryMetadataView }
  | { status: "mismatch"; metadata: EntryMetadataView; reason: string }
  | { status: "error"; reason: string };

/** Checks `version` of a token by `author`, whose version before it is `previous` (undefined for version 0). */
export async function checkVersion(version: EntryVersion, author: string, previous: EntryVersion | undefined): Promise<VersionCheck> {
  let metadata: EntryMetadataView;
  try {
    metadata = readEntryMetadata(JSON.parse(textOf((await readVerified(version.cid, "metadata.json")).bytes)));
  } catch (error) {
    return { status: "error", reason: messageOf(error) };
  }
  if (metadata.version !== 2) return { status: "unlinked", metadata };
  if (metadata.author !== author.toLowerCase()) return { status: "mismatch", metadata, reason: `it names ${metadata.author ?? "no author"} as its author` };
  if (previous && metadata.previous !== previous.cid)
    return { status: "mismatch", metadata, reason: `it links ${metadata.previous ?? "no earlier version"}, not version ${previous.revision}` };
  return { status: "verified", metadata };
}

/** The markdown (index.md) of a version, verified against its CID. */
export async function readVersionMarkdown(cid: string, signal?: AbortSignal): Promise<string> {
  return textOf((await readVerified(cid, "index.md", signal)).bytes);
}
