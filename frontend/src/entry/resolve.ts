/**
 * Resolving an entry reference from a URL (a CID or a token id, decimal or 0x hex) to its CID and
 * its token(s) on the registry.
 */
import { cidToDigest, digestToCid, parseEntryCid } from "../../../core/cid.ts";
import { readEntryFacts, tokensOfDigest, type EntryFacts } from "../feed/registry.ts";

export type EntryRef = { kind: "cid"; cid: string } | { kind: "token"; tokenId: bigint };

/** Parses a route's entry reference; throws with a readable message when it is neither. */
export function parseEntryRef(ref: string): EntryRef {
  const text = ref.trim();
  if (/^(0x[0-9a-fA-F]{1,64}|\d{1,78})$/.test(text)) return { kind: "token", tokenId: BigInt(text) };
  return { kind: "cid", cid: parseEntryCid(text).toString() };
}

export interface ResolvedEntry {
  cid: string;
  /** Tokens minted for this CID (first author first); empty if the CID was never published here. */
  tokens: EntryFacts[];
}

export async function resolveEntry(ref: EntryRef): Promise<ResolvedEntry> {
  if (ref.kind === "token") {
    const facts = await readEntryFacts(ref.tokenId);
    return { cid: digestToCid(facts.digest), tokens: [facts] };
  }
  const ids = await tokensOfDigest(cidToDigest(ref.cid));
  return { cid: ref.cid, tokens: await Promise.all(ids.map(readEntryFacts)) };
}
