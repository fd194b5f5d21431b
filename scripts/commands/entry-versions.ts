/**
 * A token's versions as the read commands (`til history`, `til show`, `til verify`) see them: the
 * digests the registry holds (`digestAt`, authoritative), dated by the EntryRevised events (version
 * 0: the publishing time), and each version's metadata.json read through the gateways, verified
 * against its CID, checked to link the version before it (`previous`, format v2) and to name the
 * token's author (else the token is a copy of someone else's entry).
 */
import type { Hex } from "viem";
import { digestToCid } from "#core/cid.ts";
import { authorOfTokenId } from "#core/contract/token-id.ts";
import { readEntryMetadata } from "#core/entry/metadata.ts";
import { readEntryFile } from "#core/retrieve/entry-reader.ts";
import type { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { entryEvents, registryAt } from "../chain/registry.ts";
import type { ChainContext } from "../cli/context.ts";

/** One version of a token. */
export interface EntryVersion {
  /** 0 as first published, then 1, 2, ... for each revision. */
  revision: number;
  digest: Hex;
  cid: string;
  /** Block timestamp (seconds) of the publish or the revision; undefined when its event was not found. */
  timestamp?: number;
  /** Block of the publish or the revision (undefined when its event was not found). */
  blockNumber?: bigint;
}

/** Every version of `tokenId`, oldest first. */
export async function readVersions(chain: ChainContext, tokenId: bigint): Promise<EntryVersion[]> {
  const registry = registryAt(chain.deployment.address, chain.provider);
  const entry = (await registry.getFunction("entry")(tokenId)) as { revisionCount: bigint; publishedAt: bigint };
  const count = Number(entry.revisionCount);
  const reader = entryEvents(chain.provider, chain.deployment);
  const from = BigInt(chain.deployment.deployBlock);
  const events = count === 0 ? [] : await reader.readRevisions(from, undefined, { tokenId });
  const byRevision = new Map<number, { blockNumber: bigint }>(events.map((e) => [Number(e.revision), e]));
  const first = (await registry.getFunction("digestAt")(tokenId, 0)) as Hex;
  const published = (await reader.read(from, undefined, { author: authorOfTokenId(tokenId), digest: first })).find((e) => e.tokenId === tokenId);
  if (published) byRevision.set(0, published);
  const versions: EntryVersion[] = [];
  for (let revision = 0; revision <= count; revision++) {
    const digest = revision === 0 ? first : ((await registry.getFunction("digestAt")(tokenId, revision)) as Hex);
    const event = byRevision.get(revision);
    let timestamp = revision === 0 ? Number(entry.publishedAt) : undefined;
    if (event && revision > 0) timestamp = (await chain.provider.getBlock(Number(event.blockNumber)))?.timestamp;
    versions.push({
      revision,
      digest,
      cid: digestToCid(digest),
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(event ? { blockNumber: event.blockNumber } : {}),
    });
  }
  return versions;
}

/** What reading one version's metadata.json found. */
export interface VersionCheck {
  /** Every block matched the CID, and (format v2) `previous` links the version before. */
  verified: boolean;
  /** Why not (or a note on a verified version, e.g. format v1 names no predecessor). */
  problem?: string;
  /** The author the content names (format v2), lower case. */
  namedAuthor?: string;
  /** The content names another author than the token's: this token is a copy of their entry. */
  copyOf?: string;
  title?: string;
}

/** Reads and checks version `version` of `tokenId` (`before`: the version before it, if any). */
export async function checkVersion(
  blockstore: VerifiedGatewayBlockstore,
  tokenId: bigint,
  version: EntryVersion,
  before?: EntryVersion,
): Promise<VersionCheck> {
  let metadata: ReturnType<typeof readEntryMetadata>;
  try {
    metadata = readEntryMetadata(JSON.parse(new TextDecoder().decode(await readEntryFile(blockstore, version.cid, "metadata.json"))));
  } catch (error) {
    return { verified: false, problem: (error as Error).message.split("\n")[0] };
  }
  const author = authorOfTokenId(tokenId).toLowerCase();
  const named = metadata.author;
  const common = {
    title: metadata.title,
    ...(named !== undefined ? { namedAuthor: named } : {}),
    ...(named !== undefined && named !== author ? { copyOf: named } : {}),
  };
  if (metadata.version !== 2) return { verified: true, ...common, ...(before ? { problem: "format v1: names no previous version" } : {}) };
  if (before === undefined && metadata.previous !== undefined) {
    return { verified: false, ...common, problem: `the first version names a previous version (${metadata.previous})` };
  }
  if (before !== undefined && metadata.previous !== before.cid) {
    return { verified: false, ...common, problem: `names ${metadata.previous ?? "no"} previous version, not version ${before.revision} (${before.cid})` };
  }
  return { verified: true, ...common };
}
