/**
 * An independent model of Kubo's (boxo's) balanced file layout, for checking multi-chunk CIDs
 * where no published Kubo vector exists: fixed-size chunks; leaves are raw blocks (CIDv1) or
 * dag-pb UnixFS "file" nodes holding the chunk (CIDv0); parents hold at most 174 links, filled
 * left to right, level by level, each a UnixFS "file" node with filesize and blocksizes; a file of
 * one chunk is that leaf itself. Written from boxo's importer/balanced description, not from the
 * JavaScript importer the node uses.
 */
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";

interface Node {
  cid: CID;
  /** Cumulative DAG size (Tsize). */
  dagSize: number;
  /** File bytes below this node. */
  fileSize: number;
}

export async function kuboBalancedRoot(
  bytes: AsyncIterable<Uint8Array>,
  options: { chunkSize?: number; cidVersion?: 0 | 1; rawLeaves?: boolean } = {},
): Promise<{ cid: CID; dagSize: number; leaves: number; depth: number }> {
  const chunkSize = options.chunkSize ?? 262144;
  const cidVersion = options.cidVersion ?? 0;
  const rawLeaves = options.rawLeaves ?? cidVersion === 1;
  let level: Node[] = [];
  let pending = new Uint8Array(0);
  const emit = async (chunk: Uint8Array) => level.push(await leaf(chunk, cidVersion, rawLeaves));
  for await (const piece of bytes) {
    const joined = new Uint8Array(pending.length + piece.length);
    joined.set(pending);
    joined.set(piece, pending.length);
    let offset = 0;
    while (joined.length - offset >= chunkSize) {
      await emit(joined.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    }
    pending = joined.slice(offset);
  }
  if (pending.length > 0 || level.length === 0) await emit(pending);
  const leaves = level.length;
  let depth = 0;
  while (level.length > 1) {
    const parents: Node[] = [];
    for (let i = 0; i < level.length; i += 174) parents.push(await parent(level.slice(i, i + 174), cidVersion));
    level = parents;
    depth++;
  }
  return { cid: level[0].cid, dagSize: level[0].dagSize, leaves, depth };
}

async function leaf(chunk: Uint8Array, cidVersion: 0 | 1, rawLeaves: boolean): Promise<Node> {
  if (rawLeaves) {
    return { cid: CID.createV1(0x55, await sha256.digest(chunk)), dagSize: chunk.length, fileSize: chunk.length };
  }
  const block = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: "file", data: chunk }).marshal(), Links: [] }));
  return { cid: CID.create(cidVersion, dagPb.code, await sha256.digest(block)), dagSize: block.length, fileSize: chunk.length };
}

async function parent(children: Node[], cidVersion: 0 | 1): Promise<Node> {
  const unixfs = new UnixFS({ type: "file" });
  for (const child of children) unixfs.addBlockSize(BigInt(child.fileSize));
  const block = dagPb.encode(dagPb.prepare({ Data: unixfs.marshal(), Links: children.map((child) => ({ Hash: child.cid, Name: "", Tsize: child.dagSize })) }));
  return {
    cid: CID.create(cidVersion, dagPb.code, await sha256.digest(block)),
    dagSize: block.length + children.reduce((sum, child) => sum + child.dagSize, 0),
    fileSize: children.reduce((sum, child) => sum + child.fileSize, 0),
  };
}
