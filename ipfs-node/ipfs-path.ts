/**
 * `/ipfs/<cid>[/path]` (or a bare `<cid>[/path]`): parsing and resolution through the local store
 * with the UnixFS exporter, with its errors turned into the node's named errors.
 */
import { exporter, walkPath, type PathEntry, type UnixFSEntry } from "ipfs-unixfs-exporter";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";
import { BlockNotLocalError, InvalidCidError, PathNotFoundError } from "./errors.ts";
import { fileContent } from "./file-content.ts";
import { blockReader, isIdentityCid } from "./identity-blocks.ts";
import type { IpfsStore } from "./store.ts";

export interface IpfsPath {
  root: CID;
  /** Path segments below the root, URL-decoded. */
  segments: string[];
}

/** Parse `<cid>`, `<cid>/a/b`, `/ipfs/<cid>/a/b`; {@link InvalidCidError} otherwise. */
export function parseIpfsPath(value: string): IpfsPath {
  const trimmed = value.trim();
  const withoutPrefix = trimmed.startsWith("/ipfs/") ? trimmed.slice(6) : trimmed.replace(/^\/+/, "");
  const [first, ...rest] = withoutPrefix.split("/");
  if (trimmed.startsWith("/ipns/")) throw new InvalidCidError(value);
  return { root: parseCid(first, value), segments: rest.filter((segment) => segment !== "") };
}

/** Parse a CID string (any multibase); {@link InvalidCidError} otherwise. */
export function parseCid(value: string, shownAs: string = value): CID {
  try {
    return value.startsWith("k") ? CID.parse(value, base36) : CID.parse(value);
  } catch (err) {
    throw new InvalidCidError(shownAs, { cause: err });
  }
}

const RAW_CODE = 0x55;

function formatIpfsPath({ root, segments }: IpfsPath): string {
  return `/ipfs/${root}${segments.map((segment) => `/${segment}`).join("")}`;
}

/** A directory's children with their kind (file or directory) and size, in link order. */
export async function listDirectory(
  store: IpfsStore,
  directory: UnixFSEntry,
  signal?: AbortSignal,
): Promise<Array<{ name: string; cid: CID; size: bigint; directory: boolean }>> {
  if (directory.type !== "directory") return [];
  const children = [];
  for await (const child of directory.entries({ signal })) {
    const entry = await resolveEntry(store, { root: child.cid, segments: [] }, signal);
    children.push({ name: child.name, cid: child.cid, size: entry.type === "directory" ? 0n : entry.size, directory: entry.type === "directory" });
  }
  return children;
}

/**
 * The UnixFS (or raw / dag-cbor) entry at the path. A file's content is read by
 * {@link fileContent} (paced by the reader, bounded read-ahead, no copies), not the exporter's.
 */
export async function resolveEntry(store: IpfsStore, ipfsPath: IpfsPath, signal?: AbortSignal): Promise<UnixFSEntry> {
  let entry: UnixFSEntry;
  try {
    entry = await exporter(exporterPath(ipfsPath), blockReader(store), { signal });
  } catch (err) {
    throw translateExporterError(err, ipfsPath);
  }
  if ((entry.type === "file" || (entry.type === "raw" && entry.cid.code === RAW_CODE)) && !isIdentityCid(entry.cid)) {
    const root = entry.cid;
    entry.content = (options = {}) => fileContent(store, root, options);
  }
  return entry;
}

/** Every step along the path, root first (for CAR responses that prove the path). */
export async function resolvePathEntries(store: IpfsStore, ipfsPath: IpfsPath, signal?: AbortSignal): Promise<PathEntry[]> {
  const entries: PathEntry[] = [];
  try {
    for await (const entry of walkPath(exporterPath(ipfsPath), blockReader(store), { signal })) entries.push(entry);
  } catch (err) {
    throw translateExporterError(err, ipfsPath);
  }
  return entries;
}

function exporterPath({ root, segments }: IpfsPath): string {
  return [root.toString(), ...segments].join("/");
}

/** Map the exporter's errors (and our own) to the node's named errors. */
function translateExporterError(err: unknown, ipfsPath: IpfsPath): Error {
  if (err instanceof BlockNotLocalError) return err;
  if (err instanceof Error && err.cause instanceof BlockNotLocalError) return err.cause;
  const name = (err as Error)?.name;
  if (name === "NotFoundError" || name === "BadPathError") {
    return new PathNotFoundError(`no link named "${ipfsPath.segments.join("/")}" under ${ipfsPath.root}`, { cause: err });
  }
  if (name === "NoResolverError" || name === "NotUnixFSError") {
    return new PathNotFoundError(`${formatIpfsPath(ipfsPath)}: ${(err as Error).message}`, { cause: err });
  }
  return err as Error;
}
