/**
 * `add --hash=<other than sha2-256>`: the UnixFS importer hashes every block with sha2-256, so
 * the DAG it stored is rewritten bottom-up with the asked hash function, as Kubo builds it in one
 * go: each leaf hashed again, each dag-pb node re-encoded with its children's new CIDs and
 * cumulative sizes (Tsize: the node's bytes plus its links' Tsize, as Kubo counts them).
 * The sha2-256 blocks stay unpinned, for `repo gc`.
 */
import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import type { MultihashHasher } from "multiformats/hashes/interface";
import type { IpfsStore } from "../store.ts";

export interface RehashedNode {
  cid: CID;
  /** The node's bytes plus every block below it (Kubo's `Size` of an add line and a link's Tsize). */
  cumulativeSize: number;
}

/** Nodes rewritten lately, remembered so a subtree that repeats (runs of equal chunks) is rewritten once. */
const REMEMBERED_NODES = 4096;

/**
 * Rewrites DAGs of the store with another hash function; one instance per add. It remembers the
 * last {@link REMEMBERED_NODES} nodes it rewrote (not every one: memory stays flat for any size).
 */
export class DagRehasher {
  readonly #store: IpfsStore;
  readonly #hasher: MultihashHasher;
  readonly #signal?: AbortSignal;
  readonly #done = new Map<string, RehashedNode>();

  constructor(store: IpfsStore, hasher: MultihashHasher, signal?: AbortSignal) {
    this.#store = store;
    this.#hasher = hasher;
    this.#signal = signal;
  }

  /** The CIDv1 of `cid`'s DAG hashed with this hasher, its blocks stored. */
  async rehash(cid: CID): Promise<RehashedNode> {
    const key = cid.toString();
    const known = this.#done.get(key);
    if (known) return known;
    this.#signal?.throwIfAborted();
    const bytes = await this.#store.getBlock(cid, { signal: this.#signal });
    let rewritten: Uint8Array = bytes;
    let linksSize = 0;
    if (cid.code === dagPb.code) {
      const node = dagPb.decode(bytes);
      const links: dagPb.PBLink[] = [];
      for (const link of node.Links) {
        const child = await this.rehash(link.Hash);
        links.push({ Hash: child.cid, Name: link.Name, Tsize: child.cumulativeSize });
        linksSize += child.cumulativeSize;
      }
      rewritten = dagPb.encode({ Data: node.Data, Links: links });
    }
    const result = { cid: CID.createV1(cid.code, await this.#hasher.digest(rewritten)), cumulativeSize: rewritten.byteLength + linksSize };
    await this.#store.putBlock(result.cid, rewritten);
    this.#done.set(key, result);
    if (this.#done.size > REMEMBERED_NODES) this.#done.delete(this.#done.keys().next().value as string);
    return result;
  }
}
