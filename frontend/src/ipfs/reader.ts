/**
 * Verified reads of entry files through the configured gateways (core/retrieve does the checking:
 * every block is hashed and compared with its CID; wrong bytes and timeouts fall through to the
 * next gateway). One shared blockstore, so blocks read for the feed are reused by the entry page;
 * every read goes through a session of its own, so the gateways and failures it reports are its
 * own, never those of another read running at the same time.
 */
import { VerifiedGatewayBlockstore, type GatewayFailure } from "#core/retrieve/verified-blockstore.ts";
import { readEntryFile } from "#core/retrieve/entry-reader.ts";
import { settings } from "../settings/settings.ts";

export const blockstore = new VerifiedGatewayBlockstore(settings.gateways, { timeoutMs: 8_000 });

export interface VerifiedFile {
  bytes: Uint8Array;
  /** Gateways that served this file's blocks. */
  servedBy: string[];
  /** Attempts that failed while reading it (wrong bytes, errors, timeouts). */
  failures: GatewayFailure[];
}

/**
 * Reads `path` inside the entry `cid`; every byte verified against the CID, within the limits of
 * core/entry/limits.ts (an entry over them is refused with an EntryLimitError before it costs memory).
 */
export async function readVerified(cid: string, path: string, signal?: AbortSignal): Promise<VerifiedFile> {
  return readVerifiedFrom(blockstore, cid, path, signal);
}

/** {@link readVerified} through `store`, in a session of its own: what it reports is this read's only. */
export async function readVerifiedFrom(store: VerifiedGatewayBlockstore, cid: string, path: string, signal?: AbortSignal): Promise<VerifiedFile> {
  const session = store.session();
  const bytes = await readEntryFile(session, cid, path, { signal });
  return { bytes, servedBy: [...session.served.keys()], failures: [...session.failures] };
}

const decoder = new TextDecoder();
export const textOf = (bytes: Uint8Array): string => decoder.decode(bytes);
