/**
 * The published entries as the read commands see them: the registry's events (oldest first, the
 * position is the sequence number; each entry's versions from its EntryRevised events) joined
 * with the metadata.json of each entry's latest version, read through the
 * gateways and verified against the entry's CID. Anyone can publish anything, so metadata of the
 * wrong shape becomes a `problem`, and so does an entry over the read limits (a DAG that declares
 * gigabytes costs one block, never the gigabytes); everything read here is printed through
 * ../cli/terminal-text.ts.
 */
import { forEachConcurrently } from "#core/concurrency.ts";
import type { EntryMetadata } from "#core/entry/index.ts";
import { EntryLimitError, readEntryFile } from "#core/retrieve/entry-reader.ts";
import type { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { listPublishedEntries, listRevisions, type PublishedEvent } from "../chain/registry.ts";
import type { ChainContext } from "../cli/context.ts";

export interface CatalogEntry extends PublishedEvent {
  sequence: number;
  /** Every version's CID, oldest first: [0] is `cid` (as published), the last is the current content. */
  versions: string[];
  /** The latest version's CID (the one whose metadata is read). */
  latestCid: string;
  metadata?: EntryMetadata;
  /** Why the metadata could not be read. */
  problem?: string;
  /** The problem is an entry over the read limits (core/entry/limits.ts), refused unread. */
  refused?: boolean;
}

const METADATA_READS_AT_ONCE = 8;

export async function loadCatalog(chain: ChainContext, blockstore: VerifiedGatewayBlockstore, withMetadata: boolean): Promise<CatalogEntry[]> {
  const events = await listPublishedEntries(chain.provider, chain.deployment);
  const revisions = await listRevisions(chain.provider, chain.deployment);
  const entries: CatalogEntry[] = events.map((e, i) => {
    const versions = [e.cid, ...(revisions.get(e.tokenId) ?? [])];
    return { ...e, sequence: i + 1, versions, latestCid: versions[versions.length - 1] };
  });
  if (!withMetadata) return entries;
  const decoder = new TextDecoder();
  await forEachConcurrently(entries, METADATA_READS_AT_ONCE, async (entry) => {
    try {
      entry.metadata = checkedMetadata(JSON.parse(decoder.decode(await readEntryFile(blockstore, entry.latestCid, "metadata.json"))));
    } catch (error) {
      entry.problem = (error as Error).message;
      entry.refused = error instanceof EntryLimitError;
    }
  });
  return entries;
}

/** `value` as entry metadata, if it has the fields the read commands use (title, tags, optional date). */
function checkedMetadata(value: unknown): EntryMetadata {
  const properties = (value as { properties?: Partial<EntryMetadata["properties"]> } | null)?.properties;
  const ok =
    typeof properties === "object" &&
    properties !== null &&
    typeof properties.title === "string" &&
    Array.isArray(properties.tags) &&
    properties.tags.every((tag) => typeof tag === "string") &&
    (properties.date === undefined || typeof properties.date === "string");
  if (!ok) throw new Error("metadata.json lacks a string properties.title, a properties.tags list of strings, or has a non-string properties.date");
  return value as EntryMetadata;
}
