/**
 * Identity CIDs (multihash 0x00, e.g. `bafkqaaa`, the empty block) carry their block in the CID
 * itself: Kubo serves them without storing them, and so does this node, on every read path.
 */
import type { CID } from "multiformats/cid";
import type { BlockReader, IpfsStore } from "./store.ts";

const IDENTITY_MULTIHASH = 0x00;

export function isIdentityCid(cid: CID): boolean {
  return cid.multihash.code === IDENTITY_MULTIHASH;
}

/** A whole block: an identity CID's from the CID, any other from the store ({@link IpfsStore.getBlock}). */
export async function readBlock(store: IpfsStore, cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
  if (isIdentityCid(cid)) return cid.multihash.digest;
  return store.getBlock(cid, { signal });
}

/** A block reader over {@link readBlock}, for the UnixFS exporter. */
export function blockReader(store: IpfsStore): BlockReader {
  return {
    async *get(cid, options) {
      yield await readBlock(store, cid, options?.signal);
    },
  };
}
