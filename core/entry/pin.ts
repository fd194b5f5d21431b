/**
 * Pinning packed entries through the Kubo RPC API (`add`, pinned) and checking that the node
 * computed the same CID as {@link packEntry}: a node that builds the directory differently would
 * otherwise get a token pointing at content nobody pinned. The CLI's publish pipeline and the web
 * app's editor both pin here. Errors of the request itself (unreachable, refused) pass through
 * untouched for the caller to explain. Browser-safe: the client is passed in.
 */
import type { KuboRPCClient } from "kubo-rpc-client";
import { EntryError } from "./errors.ts";
import { ENTRY_ADD_OPTIONS, type PackedEntry } from "./pack.ts";

/** What pinning needs of a kubo-rpc-client. */
export type EntryPinClient = Pick<KuboRPCClient, "addAll">;

/** The IPFS node reported another root CID for an entry than the one computed locally (or none). */
export class PinnedCidMismatchError extends EntryError {
  static name = "PinnedCidMismatchError";
  /** The CID packEntry computed. */
  readonly expected: string;
  /** The root CID the node reported, or undefined when it reported none for the entry. */
  readonly actual: string | undefined;
  constructor(expected: string, actual: string | undefined) {
    super(
      actual === undefined
        ? `The IPFS node reported no directory for entry ${expected}; it was not minted. Is the node Kubo-compatible?`
        : `The IPFS node pinned the entry as ${actual}, not as its locally computed CID ${expected}; it was not minted, so no token points at other content. Is the node Kubo-compatible?`,
    );
    this.name = "PinnedCidMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** One entry of {@link pinEntries}: the root CID the node reported, and whether it is the expected one. */
export interface PinnedEntry {
  cid: string;
  pinnedAs: string | undefined;
  /** Set when `pinnedAs` is not `cid`: the entry must not be minted. */
  mismatch?: PinnedCidMismatchError;
}

/**
 * Adds several entries in one `add` request, side by side as `<cid>/<path>` (Kubo pins each
 * top-level directory, whose CID does not depend on its name), and reports, in order, the root CID
 * the node computed for each.
 */
export async function pinEntries(ipfs: EntryPinClient, entries: readonly PackedEntry[], options: { signal?: AbortSignal } = {}): Promise<PinnedEntry[]> {
  const roots = new Map<string, string | undefined>(entries.map((e) => [e.cid, undefined]));
  const files = entries.flatMap((e) => e.files.map((f) => ({ path: `${e.cid}/${f.path}`, content: f.content })));
  for await (const added of ipfs.addAll(files, { ...ENTRY_ADD_OPTIONS, signal: options.signal })) {
    if (roots.has(added.path)) roots.set(added.path, added.cid.toString());
  }
  return entries.map(({ cid }) => {
    const pinnedAs = roots.get(cid);
    return pinnedAs === cid ? { cid, pinnedAs } : { cid, pinnedAs, mismatch: new PinnedCidMismatchError(cid, pinnedAs) };
  });
}

/** Pins one entry and returns its CID; throws {@link PinnedCidMismatchError} when the node computed another. */
export async function pinEntry(ipfs: EntryPinClient, entry: PackedEntry, options: { signal?: AbortSignal } = {}): Promise<string> {
  const [pinned] = await pinEntries(ipfs, [entry], options);
  if (pinned.mismatch) throw pinned.mismatch;
  return pinned.cid;
}
