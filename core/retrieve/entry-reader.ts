/**
 * Reading an entry directory's files through a verified blockstore (see verified-blockstore.ts):
 * every byte returned here was checked against the entry's CID, block by block.
 * Browser-safe.
 */
import { exporter, recursive } from "ipfs-unixfs-exporter";
import type { VerifiedGatewayBlockstore } from "./verified-blockstore.ts";

/** The path inside the entry names no file (e.g. an entry without images). */
export class EntryFileNotFoundError extends Error {
  static name = "EntryFileNotFoundError";
  constructor(cid: string, path: string) {
    super(`The entry ${cid} has no file "${path}".`);
    this.name = "EntryFileNotFoundError";
  }
}

/** The bytes of `path` inside the entry directory `cid`, verified. */
export async function readEntryFile(blockstore: VerifiedGatewayBlockstore, cid: string, path: string, signal?: AbortSignal): Promise<Uint8Array> {
  let entry;
  try {
    entry = await exporter(`${cid}/${path}`, blockstore, { signal });
  } catch (error) {
    if ((error as Error).name === "NotFoundError" || (error as { code?: string }).code === "ERR_NOT_FOUND") throw new EntryFileNotFoundError(cid, path);
    throw error;
  }
  if (entry.type !== "file" && entry.type !== "raw") throw new EntryFileNotFoundError(cid, path);
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of entry.content({ signal })) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Paths of every file in the entry directory `cid` (e.g. "index.md", "images/a.png"), verified. */
export async function listEntryFiles(blockstore: VerifiedGatewayBlockstore, cid: string, signal?: AbortSignal): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of recursive(cid, blockstore, { signal })) {
    const { type } = await exporter(entry.cid, blockstore, { signal });
    if (type === "file" || type === "raw") paths.push(entry.path.slice(entry.path.indexOf("/") + 1));
  }
  return paths.sort();
}
