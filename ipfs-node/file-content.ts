/**
 * The bytes of a UnixFS file (dag-pb or raw leaves), or a range of them, streamed from the local
 * store the way the gateway and `cat` send them:
 * - paced by the reader: the next blocks are read only as the pieces before them are taken, with
 *   at most {@link READ_AHEAD} blocks read ahead per DAG level (the exporter's own reader walks
 *   the whole DAG as fast as the disk allows into an unbounded queue, so a slow or vanished
 *   client made the node hold the whole file);
 * - without copies: every piece is a view of a block (raw leaves, or the data field of a dag-pb
 *   leaf), and blocks come from the store's cache when they are hot;
 * - checked: pieces must follow one another exactly as the parents' block sizes say, or the read
 *   fails with {@link MalformedFileError} instead of sending bytes that do not belong there.
 */
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import type { CID } from "multiformats/cid";
import { IpfsNodeError } from "./errors.ts";

const RAW_CODE = 0x55;
/** Blocks read ahead of the one being sent, per level of the DAG. */
const READ_AHEAD = 3;
/** Deeper than any file a UnixFS importer builds (a balanced DAG of 10^15 blocks is 7 deep). */
const MAX_DEPTH = 64;

export interface BlockSource {
  getBlock(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array>;
}

export interface FileContentOptions {
  offset?: number | bigint;
  length?: number | bigint;
  signal?: AbortSignal;
}

class MalformedFileError extends IpfsNodeError {
  static name = "MalformedFileError";
  constructor(message: string) {
    super(message);
    this.name = "MalformedFileError";
  }
}

/** Size of the file at `cid` (whose block is `bytes`) as its root says. */
function fileSize(cid: CID, bytes: Uint8Array): bigint {
  if (cid.code === RAW_CODE) return BigInt(bytes.byteLength);
  return unixfsOf(dagPb.decode(bytes)).fileSize();
}

/**
 * Pieces of the file from `offset` (default 0) for `length` bytes (default: to the end), in order.
 * `rootBytes` saves reading the root block when the caller has it.
 */
export async function* fileContent(store: BlockSource, root: CID, options: FileContentOptions = {}, rootBytes?: Uint8Array): AsyncGenerator<Uint8Array> {
  const bytes = rootBytes ?? (await store.getBlock(root, { signal: options.signal }));
  const size = fileSize(root, bytes);
  const start = options.offset === undefined ? 0n : BigInt(options.offset);
  if (start < 0n) throw new IpfsNodeError("offset must be positive");
  if (start > size) throw new IpfsNodeError("offset must be less than the file size");
  const length = options.length === undefined ? size - start : BigInt(options.length);
  if (length < 0n) throw new IpfsNodeError("length must be positive");
  const end = start + length > size ? size : start + length;
  if (end === start) return;
  const cursor = { position: start };
  yield* pieces(store, root, bytes, 0n, start, end, cursor, 0, options.signal);
  if (cursor.position !== end) throw new MalformedFileError(`the file ${root} ends at byte ${cursor.position}, before the ${end} its root promises`);
}

async function* pieces(
  store: BlockSource,
  cid: CID,
  bytes: Uint8Array,
  nodeStart: bigint,
  start: bigint,
  end: bigint,
  cursor: { position: bigint },
  depth: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  if (depth > MAX_DEPTH) throw new MalformedFileError(`the file's DAG is deeper than ${MAX_DEPTH} levels at ${cid}`);
  if (cid.code === RAW_CODE) {
    yield* slice(bytes, nodeStart, start, end, cursor);
    return;
  }
  if (cid.code !== dagPb.code) throw new MalformedFileError(`${cid} is not a UnixFS file block (codec 0x${cid.code.toString(16)})`);
  const node = dagPb.decode(bytes);
  const unixfs = unixfsOf(node);
  let position = nodeStart;
  if (unixfs.data !== undefined && unixfs.data.byteLength > 0) {
    yield* slice(unixfs.data, position, start, end, cursor);
    position += BigInt(unixfs.data.byteLength);
  }
  if (node.Links.length !== unixfs.blockSizes.length)
    throw new MalformedFileError(`${cid} has ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`);
  const wanted: Array<{ cid: CID; start: bigint }> = [];
  for (let i = 0; i < node.Links.length && position < end; i++) {
    const childEnd = position + unixfs.blockSizes[i];
    if (childEnd > start) wanted.push({ cid: node.Links[i].Hash, start: position });
    position = childEnd;
  }
  const ahead: Array<Promise<Uint8Array>> = [];
  let requested = 0;
  for (const child of wanted) {
    while (ahead.length <= READ_AHEAD && requested < wanted.length) {
      const read = store.getBlock(wanted[requested++].cid, { signal });
      read.catch(() => {});
      ahead.push(read);
    }
    const childBytes = await (ahead.shift() as Promise<Uint8Array>);
    signal?.throwIfAborted();
    yield* pieces(store, child.cid, childBytes, child.start, start, end, cursor, depth + 1, signal);
  }
}

/** The part of `data` (which starts at file offset `dataStart`) inside [start, end). */
function* slice(data: Uint8Array, dataStart: bigint, start: bigint, end: bigint, cursor: { position: bigint }): Generator<Uint8Array> {
  const dataEnd = dataStart + BigInt(data.byteLength);
  const from = dataStart > start ? dataStart : start;
  const to = dataEnd < end ? dataEnd : end;
  if (to <= from) return;
  if (from !== cursor.position)
    throw new MalformedFileError(`the file's blocks do not follow one another: a block starts at byte ${from}, expected ${cursor.position}`);
  cursor.position = to;
  yield data.subarray(Number(from - dataStart), Number(to - dataStart));
}

function unixfsOf(node: dagPb.PBNode): UnixFS {
  if (node.Data === undefined) throw new MalformedFileError("a dag-pb node without UnixFS data");
  try {
    return UnixFS.unmarshal(node.Data);
  } catch (err) {
    throw new MalformedFileError(`not UnixFS data: ${(err as Error).message}`);
  }
}
