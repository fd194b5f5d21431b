/**
 * The ONE definition of Kubo-compatible UnixFS importer options, used by the embedded IPFS node's
 * `add` and by the entry format (core/entry/pack.ts) alike. Browser-safe.
 *
 * Kubo's `ipfs add` defaults: CIDv0, fixed 256 KiB chunks, a balanced DAG of at most 174 links per
 * node, leaves as dag-pb UnixFS "file" nodes; `--cid-version=1` switches to raw leaves unless
 * `--raw-leaves` says otherwise. @helia/unixfs's own defaults differ (CIDv1, raw leaves, 1 MiB
 * chunks, 1024 links), so every option is set here explicitly.
 */
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import type { BufferImporter, ImporterOptions, InProgressImportResult } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import type { FileLayout } from "ipfs-unixfs-importer/layout";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";

/**
 * An `ipfs add` option that can't be honoured: `unsupported` when Kubo knows it but this project
 * does not implement it (e.g. rabin chunking), otherwise the value is malformed.
 */
export class KuboImporterOptionError extends Error {
  static name = "KuboImporterOptionError";
  readonly unsupported: boolean;
  constructor(message: string, unsupported = false) {
    super(message);
    this.name = "KuboImporterOptionError";
    this.unsupported = unsupported;
  }
}

export const KUBO_CHUNK_SIZE = 256 * 1024;
const KUBO_MAX_CHILDREN_PER_NODE = 174;
/** Kubo refuses chunks above this (boxo chunker.ChunkSizeLimit, 1 MiB). */
const KUBO_MAX_CHUNK_SIZE = 1024 * 1024;
/** Kubo's HAMT directory fanout (boxo io.DefaultShardWidth). */
const KUBO_HAMT_FANOUT = 256;
/** Kubo's directory sharding threshold (estimated from link names and CIDs). */
const KUBO_SHARD_THRESHOLD_BYTES = 256 * 1024;

/** The `ipfs add` options that change the resulting CIDs. */
export interface KuboAddLayoutOptions {
  cidVersion?: 0 | 1;
  rawLeaves?: boolean;
  /** Kubo's chunker string: `size-<bytes>`. */
  chunker?: string;
  wrapWithDirectory?: boolean;
  /** `--max-file-links`: links per file node (Kubo's default 174). */
  maxFileLinks?: number;
  /** `--max-hamt-fanout`: links per HAMT directory shard, a power of 2 from 8 to 1024 (default 256). */
  maxHamtFanout?: number;
  /**
   * Whether entries carry UnixFS metadata (`--mode`, `--mtime`, `--preserve-mode`,
   * `--preserve-mtime`): Kubo then stores every file as dag-pb (raw leaves off), and refuses an
   * explicit `--raw-leaves=true`.
   */
  withMetadata?: boolean;
}

/** The importer options this module decides (progress reporting is the caller's). */
export type KuboImporterOptions = Omit<ImporterOptions, "onProgress">;

/** Importer options that give the CIDs Kubo gives for the same bytes and options. */
export function kuboImporterOptions(options: KuboAddLayoutOptions = {}): KuboImporterOptions {
  const cidVersion = options.cidVersion ?? 0;
  if (options.withMetadata && options.rawLeaves === true) {
    throw new KuboImporterOptionError("raw-leaves can't be used with UnixFS metadata like mode or modification time");
  }
  const maxFileLinks = options.maxFileLinks ?? KUBO_MAX_CHILDREN_PER_NODE;
  if (!Number.isInteger(maxFileLinks) || maxFileLinks < 2) throw new KuboImporterOptionError(`max-file-links must be at least 2, got ${maxFileLinks}`);
  const fanout = options.maxHamtFanout ?? KUBO_HAMT_FANOUT;
  if (!Number.isInteger(fanout) || fanout < 8 || fanout > 1024 || (fanout & (fanout - 1)) !== 0) {
    throw new KuboImporterOptionError(`HAMT fanout must be a power of 2, between 8 and 1024 (got ${fanout})`);
  }
  return {
    cidVersion,
    rawLeaves: options.withMetadata ? false : (options.rawLeaves ?? cidVersion === 1),
    leafType: "file",
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: parseKuboChunker(options.chunker) }),
    layout: compactBalanced(maxFileLinks),
    shardFanoutBits: Math.log2(fanout),
    shardSplitThresholdBytes: KUBO_SHARD_THRESHOLD_BYTES,
    shardSplitStrategy: "links-bytes",
    fieldOrder: "links-first",
    wrapWithDirectory: options.wrapWithDirectory ?? false,
    ...(options.withMetadata ? { bufferImporter: dagPbLeavesKeepingChunks(cidVersion) } : {}),
  };
}

/**
 * The balanced layout (ipfs-unixfs-importer's, the same DAG and CIDs) holding only what the next
 * level needs of each node it built: its CID, cumulative size and file size. The importer's
 * results carry the node's encoded block and its UnixFS data (a size per link), about 11 KB per
 * node of 174 links, and the balanced layout keeps every one of a level until the level ends:
 * 60 MB for a file of 1,000,000 chunks, where these keep under 1 MB.
 */
function compactBalanced(maxChildrenPerNode: number): FileLayout {
  return async function layout(source, reduce) {
    const nodes: InProgressImportResult[] = [];
    let batch: InProgressImportResult[] = [];
    // the last node built is kept whole: it is the file's root if it is the only one
    let last: InProgressImportResult | undefined;
    const flush = async () => {
      if (last) nodes.push(slim(last));
      last = await reduce(batch);
      batch = [];
    };
    for await (const leaf of source) {
      batch.push(leaf);
      if (batch.length === maxChildrenPerNode) await flush();
    }
    if (batch.length > 0) await flush();
    // no leaves at all: nothing, as the importer's own balanced layout answers
    if (nodes.length === 0) return last as InProgressImportResult;
    nodes.push(slim(last as InProgressImportResult));
    return layout(nodes, reduce);
  };
}

/** A file node as a link of its parent: what the importer's reducer reads of it, nothing more. */
function slim(node: InProgressImportResult): InProgressImportResult {
  const fileSize = node.unixfs?.fileSize() ?? 0n;
  // a parent node (never a leaf here) has no data of its own: the reducer takes its file size
  const unixfs = { data: undefined, fileSize: () => fileSize } as unknown as UnixFS;
  return { cid: node.cid, size: node.size, path: node.path, originalPath: node.originalPath, unixfs };
}

/**
 * dag-pb UnixFS "file" leaves (raw leaves off, as Kubo stores files with metadata), each result
 * carrying its chunk's bytes. ipfs-unixfs-importer 17, when it reduces a one-chunk file carrying
 * mode or mtime to a single node, takes the leaf's `block` as the file's data: with its own
 * buffer importer that is the encoded leaf node, so the file would read back as protobuf bytes.
 */
function dagPbLeavesKeepingChunks(cidVersion: 0 | 1): BufferImporter {
  return async function* bufferImporter(file, blockstore) {
    for await (const chunk of file.content) {
      yield async () => {
        const unixfs = new UnixFS({ type: "file", data: chunk });
        const block = dagPb.encode({ Data: unixfs.marshal(), Links: [] });
        const cid = CID.create(cidVersion, dagPb.code, await sha256.digest(block));
        await blockstore.put(cid, block);
        return { cid, unixfs, size: BigInt(block.length), block: chunk };
      };
    }
  };
}

/** Chunk size for Kubo's `--chunker` value; only fixed-size chunking (`size-N`) is supported. */
export function parseKuboChunker(chunker: string | undefined): number {
  if (chunker === undefined || chunker === "" || chunker === "default") return KUBO_CHUNK_SIZE;
  const match = /^size-(\d+)$/.exec(chunker);
  if (!match) {
    if (/^(rabin|buzhash)/.test(chunker)) {
      throw new KuboImporterOptionError(`chunker "${chunker}" is not supported by this node; use size-<bytes> (the default is size-${KUBO_CHUNK_SIZE}).`, true);
    }
    throw new KuboImporterOptionError(`unrecognized chunker option: "${chunker}"; use size-<bytes>, e.g. size-${KUBO_CHUNK_SIZE}.`);
  }
  const size = Number(match[1]);
  if (size <= 0) throw new KuboImporterOptionError("chunker size must be greater than 0");
  if (size > KUBO_MAX_CHUNK_SIZE) throw new KuboImporterOptionError(`chunker parameters may not exceed the maximum chunk size of ${KUBO_MAX_CHUNK_SIZE}`);
  return size;
}
