/**
 * Reading an entry directory's files through a verified blockstore (see verified-blockstore.ts):
 * every byte returned here was checked against the entry's CID, block by block.
 *
 * An entry is a stranger's DAG: a few kilobytes of blocks can declare gigabytes (the same leaf
 * linked over and over), a directory can hold a million links. Every read is bounded by the limits
 * of core/entry/limits.ts, three times over: before reading, from what the DAG declares (the entry
 * directory's file count and link sizes, the file's UnixFS size); while reading, by counting the
 * bytes that actually come out, whatever was declared; and by counting the blocks walked, cached
 * ones included. Over a limit, the read stops at once with an {@link EntryLimitError}.
 * Browser-safe.
 */
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { exporter, type UnixFSEntry } from "ipfs-unixfs-exporter";
import type { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { formatBytes, MAX_BLOCKS_PER_READ, MAX_ENTRY_BYTES, MAX_ENTRY_FILES, maxEntryFileBytes, TREE_OVERHEAD_BYTES } from "../entry/limits.ts";
import type { VerifiedGatewayBlockstore } from "./verified-blockstore.ts";
import { concatBytes } from "../bytes.ts";

/** The path inside the entry names no file (e.g. an entry without images). */
class EntryFileNotFoundError extends Error {
  static name = "EntryFileNotFoundError";
  constructor(cid: string, path: string) {
    super(`The entry ${cid} has no file "${path}".`);
    this.name = "EntryFileNotFoundError";
  }
}

/**
 * Which limit an entry broke:
 * - "declared-size": a file (or a link of the entry directory) declares more bytes than allowed;
 * - "read-size": more bytes came out of a file than allowed (its declared size lied);
 * - "file-count": the entry directory holds more files than allowed;
 * - "block-reads": reading one file walked more blocks, or more bytes of blocks, than any entry needs;
 * - "not-a-directory": the CID is not a UnixFS directory.
 */
export type EntryLimitKind = "declared-size" | "read-size" | "file-count" | "block-reads" | "not-a-directory";

/** The entry is outside the limits readers take (core/entry/limits.ts); nothing more of it was read. */
export class EntryLimitError extends Error {
  static name = "EntryLimitError";
  readonly kind: EntryLimitKind;
  /** The file concerned, inside the entry directory ("" for the directory itself). */
  readonly path: string;
  readonly limit: number;
  constructor(kind: EntryLimitKind, path: string, limit: number, message: string) {
    super(message);
    this.name = "EntryLimitError";
    this.kind = kind;
    this.path = path;
    this.limit = limit;
  }
}

export interface ReadEntryOptions {
  signal?: AbortSignal;
  /** Largest size taken, in bytes (default: the limit of the path, core/entry/limits.ts maxEntryFileBytes). */
  maxBytes?: number;
}

/** "metadata.json is at most 64 KiB", "entries are at most 10 MiB". */
function limitText(path: string, limit: number): string {
  if (path === "metadata.json" || path === "card.svg") return `${path} is at most ${formatBytes(limit)}`;
  if (path === "index.md") return `a note is at most ${formatBytes(limit)}`;
  return `entries are at most ${formatBytes(limit)}`;
}

/**
 * The blockstore as one read sees it: at most `maxBlocks` block reads and `maxBytes` bytes of
 * blocks, cached ones included, then an EntryLimitError; aborted reads stop at the next block.
 */
function budgeted(blockstore: VerifiedGatewayBlockstore, what: string, maxBlocks: number, maxBytes: number) {
  let blocks = 0;
  let bytes = 0;
  return {
    async *get(cid: CID, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
      if (++blocks > maxBlocks)
        throw new EntryLimitError(
          "block-reads",
          what,
          maxBlocks,
          `${what} is built of more than ${maxBlocks.toLocaleString("en-US")} blocks; no entry needs that many (refused)`,
        );
      const block = await blockstore.getBlock(cid, options);
      bytes += block.byteLength;
      if (bytes > maxBytes)
        throw new EntryLimitError(
          "block-reads",
          what,
          maxBytes,
          `${what} walks more than ${formatBytes(maxBytes)} of blocks; no entry needs that many (refused)`,
        );
      yield block;
    },
  };
}

function notFound(error: unknown): boolean {
  return (error as Error).name === "NotFoundError" || (error as { code?: string }).code === "ERR_NOT_FOUND";
}

/**
 * Checks the entry directory `cid` against the limits from its root block alone (read anyway by
 * any read of the entry): a UnixFS directory of at most MAX_ENTRY_FILES links whose declared sizes
 * (dag-pb Tsize, the size of everything below each link) add up to no more than an entry holds.
 * @throws EntryLimitError naming the link that declares the most
 */
async function checkEntryDirectory(blockstore: VerifiedGatewayBlockstore, cid: string, signal?: AbortSignal): Promise<void> {
  const root = await exporter(cid, budgeted(blockstore, "the entry directory", 1, 2 * TREE_OVERHEAD_BYTES), { signal });
  if (root.type !== "directory") throw new EntryLimitError("not-a-directory", "", 0, `${cid} is not an entry directory (it is a ${root.type})`);
  const links = root.node.Links;
  if (links.length > MAX_ENTRY_FILES) {
    throw new EntryLimitError(
      "file-count",
      "",
      MAX_ENTRY_FILES,
      `the entry directory holds ${links.length.toLocaleString("en-US")} links; entries hold at most ${MAX_ENTRY_FILES.toLocaleString("en-US")} files`,
    );
  }
  let total = 0;
  let largest = links[0];
  for (const link of links) {
    total += link.Tsize ?? 0;
    if ((link.Tsize ?? 0) > (largest.Tsize ?? 0)) largest = link;
  }
  if (total > MAX_ENTRY_BYTES + TREE_OVERHEAD_BYTES) {
    const name = largest.Name ?? "";
    throw new EntryLimitError(
      "declared-size",
      name,
      MAX_ENTRY_BYTES,
      `${name} declares ${formatBytes(largest.Tsize ?? 0)}${links.length > 1 && total > (largest.Tsize ?? 0) * 1.1 ? ` (the entry ${formatBytes(total)})` : ""}; entries are at most ${formatBytes(MAX_ENTRY_BYTES)}`,
    );
  }
}

/**
 * The bytes of `path` inside the entry directory `cid`, verified and within the limits: the entry
 * directory is checked first ({@link checkEntryDirectory}), the file's declared size next, and the
 * bytes are counted as they come.
 * @throws EntryLimitError over a limit, EntryFileNotFoundError when there is no such file
 */
export async function readEntryFile(blockstore: VerifiedGatewayBlockstore, cid: string, path: string, options: ReadEntryOptions = {}): Promise<Uint8Array> {
  const limit = options.maxBytes ?? maxEntryFileBytes(path);
  // Aborted when this read stops early, so the exporter's walk stops fetching blocks too.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  try {
    await checkEntryDirectory(blockstore, cid, signal);
    const store = budgeted(blockstore, path, MAX_BLOCKS_PER_READ, limit + TREE_OVERHEAD_BYTES);
    let entry: UnixFSEntry;
    try {
      entry = await exporter(`${cid}/${path}`, store, { signal });
    } catch (error) {
      if (notFound(error)) throw new EntryFileNotFoundError(cid, path);
      throw error;
    }
    if (entry.type !== "file" && entry.type !== "raw") throw new EntryFileNotFoundError(cid, path);
    if (entry.size > BigInt(limit))
      throw new EntryLimitError("declared-size", path, limit, `${path} declares ${formatBytes(entry.size)}; ${limitText(path, limit)}`);
    const declared = Number(entry.size);
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of fileChunks(store, entry.cid, signal)) {
      length += chunk.byteLength;
      if (length > limit)
        throw new EntryLimitError(
          "read-size",
          path,
          limit,
          `${path} holds more than ${formatBytes(limit)} (it declares ${formatBytes(declared)}); ${limitText(path, limit)}`,
        );
      if (length > declared)
        throw new EntryLimitError("read-size", path, declared, `${path} holds more bytes than the ${formatBytes(declared)} it declares (refused)`);
      chunks.push(chunk);
    }
    if (length < declared) throw new Error(`${path} holds ${formatBytes(length)}, less than the ${formatBytes(declared)} it declares`);
    return concatBytes(chunks);
  } finally {
    stop.abort();
  }
}

/**
 * The bytes of the UnixFS file (or raw block) `cid`, in order: a depth-first walk, one block at a
 * time, that yields data as it comes (the caller counts it and stops). It follows the links rather
 * than the sizes they claim, so a size that lies cannot skip or repeat bytes unseen.
 */
async function* fileChunks(store: ReturnType<typeof budgeted>, cid: CID, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const fetch = async (c: CID) => {
    for await (const block of store.get(c, { signal })) return block;
    throw new Error(`no block ${c}`);
  };
  // Links still to visit, per level: the walk's own stack, however deep the DAG.
  const stack: CID[][] = [[cid]];
  while (stack.length > 0) {
    const level = stack[stack.length - 1];
    const next = level.shift();
    if (next === undefined) {
      stack.pop();
      continue;
    }
    const block = await fetch(next);
    if (next.code === raw.code) {
      yield block;
      continue;
    }
    if (next.code !== dagPb.code) throw new Error(`a file block has codec 0x${next.code.toString(16)}, neither dag-pb nor raw`);
    const node = dagPb.decode(block);
    if (node.Data === undefined) throw new Error("a file block holds no UnixFS data");
    const unixfs = UnixFS.unmarshal(node.Data);
    if (unixfs.type !== "file" && unixfs.type !== "raw") throw new Error(`a file block is a UnixFS ${unixfs.type}`);
    if (unixfs.data !== undefined && unixfs.data.byteLength > 0) yield unixfs.data;
    if (node.Links.length > 0) stack.push(node.Links.map((link) => link.Hash));
  }
}

/**
 * Paths of every file in the entry directory `cid` (e.g. "index.md", "images/a.png"), verified,
 * sorted. At most MAX_ENTRY_FILES files and folders, declaring at most MAX_ENTRY_BYTES together.
 * @throws EntryLimitError over a limit
 */
export async function listEntryFiles(blockstore: VerifiedGatewayBlockstore, cid: string, signal?: AbortSignal): Promise<string[]> {
  const stop = new AbortController();
  const walk = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  try {
    await checkEntryDirectory(blockstore, cid, walk);
    // Each file and folder costs one root block; folders (HAMT shards) a few more.
    const store = budgeted(blockstore, "the entry directory", 4 * MAX_ENTRY_FILES, MAX_ENTRY_BYTES + TREE_OVERHEAD_BYTES);
    const paths: string[] = [];
    let count = 0;
    let declared = 0n;
    const folders = [{ cid: cid as string | CID, path: "" }];
    while (folders.length > 0) {
      const folder = folders.shift()!;
      const dir = await exporter(folder.cid, store, { signal: walk });
      if (dir.type !== "directory") continue;
      for await (const child of dir.entries({ signal: walk })) {
        if (++count > MAX_ENTRY_FILES)
          throw new EntryLimitError(
            "file-count",
            "",
            MAX_ENTRY_FILES,
            `the entry holds more than ${MAX_ENTRY_FILES.toLocaleString("en-US")} files; entries hold at most ${MAX_ENTRY_FILES.toLocaleString("en-US")}`,
          );
        const path = folder.path === "" ? child.name : `${folder.path}/${child.name}`;
        const entry = await exporter(child.cid, store, { signal: walk });
        if (entry.type === "directory") folders.push({ cid: child.cid, path });
        else if (entry.type === "file" || entry.type === "raw") {
          declared += entry.size;
          if (entry.size > BigInt(MAX_ENTRY_BYTES))
            throw new EntryLimitError(
              "declared-size",
              path,
              MAX_ENTRY_BYTES,
              `${path} declares ${formatBytes(entry.size)}; entries are at most ${formatBytes(MAX_ENTRY_BYTES)}`,
            );
          if (declared > BigInt(MAX_ENTRY_BYTES))
            throw new EntryLimitError(
              "declared-size",
              path,
              MAX_ENTRY_BYTES,
              `the entry's files declare more than ${formatBytes(MAX_ENTRY_BYTES)} together; entries are at most ${formatBytes(MAX_ENTRY_BYTES)}`,
            );
          paths.push(path);
        }
      }
    }
    return paths.sort();
  } finally {
    stop.abort();
  }
}
