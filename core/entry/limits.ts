/**
 * The limits of an entry, in one table: what publishing refuses to pack and what every reader
 * refuses to read. An entry is a stranger's DAG, so readers apply them before reading (from the
 * sizes and link counts the DAG declares) and again while reading (counting what actually
 * arrives), whatever the DAG claims. Browser-safe, no imports.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest markdown of one note (front matter included), in bytes: 1 MiB. Also the largest index.md a reader takes. */
export const MAX_NOTE_MARKDOWN_BYTES = 1 * MiB;
/** Largest packed entry (all files together, images included), in bytes: 10 MiB. Also the largest file a reader takes. */
export const MAX_ENTRY_BYTES = 10 * MiB;
/** Largest metadata.json, in bytes: 64 KiB (title and tags twice, a 200-character excerpt, file paths). */
export const MAX_METADATA_BYTES = 64 * KiB;
/** Largest card.svg, in bytes: 64 KiB (the card holds at most five lines of title and two of tags). */
const MAX_CARD_BYTES = 64 * KiB;
/**
 * Largest block a gateway may answer with, in bytes: 2 MiB, the block size IPFS transports accept
 * (Kubo refuses larger blocks, and trustless gateway clients such as Helia's stop reading there).
 */
export const MAX_BLOCK_BYTES = 2 * MiB;
/** Most files (and folders) in one entry directory, its subfolders included: 1,000. */
export const MAX_ENTRY_FILES = 1000;
/**
 * Most block reads one file read may make, cached ones included: 20,000 (a 10 MiB file cut in
 * 1 KiB chunks, with its tree nodes). Bounds a DAG of empty or tiny leaves linked over and over.
 */
export const MAX_BLOCKS_PER_READ = 20_000;
/**
 * Most bytes of blocks one file read may walk, cached ones included: the file's own limit plus
 * 2 MiB of directory and tree nodes. Bounds a DAG whose tree nodes are large and repeated.
 */
export const TREE_OVERHEAD_BYTES = 2 * MiB;

/** The largest size a reader takes for `path` inside an entry directory. */
export function maxEntryFileBytes(path: string): number {
  switch (path) {
    case "metadata.json":
      return MAX_METADATA_BYTES;
    case "card.svg":
      return MAX_CARD_BYTES;
    case "index.md":
      return MAX_NOTE_MARKDOWN_BYTES;
    default:
      return MAX_ENTRY_BYTES;
  }
}

/** `bytes` for people: "2.0 GB", "10 MiB", "64 KiB", "812 bytes". */
export function formatBytes(bytes: number | bigint): string {
  const n = Number(bytes);
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  for (const [unit, size] of [
    ["MiB", MiB],
    ["KiB", KiB],
  ] as const) {
    if (n >= size) return `${Number.isInteger(n / size) ? n / size : (n / size).toFixed(1)} ${unit}`;
  }
  return `${n} byte${n === 1 ? "" : "s"}`;
}
