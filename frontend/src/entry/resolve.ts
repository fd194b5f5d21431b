/**
 * Resolving an entry reference from a URL (core/contract/entry-ref.ts: a CID, a token id, or the
 * entry's sequence number) to its CID and its token(s) on the registry.
 */
import { cidToDigest, digestToCid } from "#core/cid.ts";
import type { EntryRef } from "#core/contract/entry-ref.ts";
import { deployBlock, entryEvents, readEntryFacts, type EntryFacts } from "../chain/registry.ts";

export { parseEntryRef, type EntryRef } from "#core/contract/entry-ref.ts";

export interface ResolvedEntry {
  cid: string;
  /** Tokens minted for this CID (first author first); empty if the CID was never published here. */
  tokens: EntryFacts[];
}

/** Not in this registry: no such token, or no entry with that number. */
class EntryNotFoundError extends Error {
  static name = "EntryNotFoundError";
  constructor(message: string) {
    super(message);
    this.name = "EntryNotFoundError";
  }
}

export async function resolveEntry(ref: EntryRef): Promise<ResolvedEntry> {
  if (ref.kind === "sequence") {
    const event = await entryEvents.eventAtSequence(ref.sequence, deployBlock());
    if (!event) throw new EntryNotFoundError(`There is no entry #${ref.sequence} in this registry.`);
    return { cid: event.cid, tokens: [await readEntryFacts(event.tokenId)] };
  }
  if (ref.kind === "token") {
    const facts = await readEntryFacts(ref.tokenId);
    return { cid: digestToCid(facts.digest), tokens: [facts] };
  }
  const ids = await entryEvents.tokensOfDigest(cidToDigest(ref.cid), deployBlock());
  return { cid: ref.cid, tokens: await Promise.all(ids.map(readEntryFacts)) };
}
