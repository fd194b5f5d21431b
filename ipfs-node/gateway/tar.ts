/**
 * `?format=tar` (application/x-tar): a UnixFS file or directory tree as a TAR stream, as Kubo's
 * gateway writes it (boxo files.TarWriter over Go's archive/tar): the top-level entry is named by
 * the content's CID, entries follow depth first in link order, modes come from UnixFS metadata
 * (else 0644 for files, 0755 for directories), and a name that would land outside the top-level
 * entry (`..`) stops the stream with an error, as there. Names longer than USTAR holds, or not
 * ASCII, go in a PAX header.
 */
import path from "node:path";
import type { UnixFSEntry } from "ipfs-unixfs-exporter";
import type { CID } from "multiformats/cid";
import { IpfsNodeError } from "../errors.ts";

const BLOCK = 512;
/** The largest size USTAR's 11 octal digits hold; larger files carry their size in a PAX record. */
const USTAR_MAX_SIZE = 0o77777777777;
const encoder = new TextEncoder();

/** A UnixFS name that would land outside the TAR's top-level entry. */
class TarPathOutsideRootError extends IpfsNodeError {
  static name = "TarPathOutsideRootError";
  constructor() {
    super("relative UnixFS paths outside the root are not allowed, use CAR instead");
    this.name = "TarPathOutsideRootError";
  }
}

/** Resolves a directory's child (by CID) to its entry. */
export type ResolveChild = (cid: CID) => Promise<UnixFSEntry>;

/** The TAR stream of `entry`, its top-level entry named `rootName`. */
export async function* tarStream(entry: UnixFSEntry, rootName: string, resolveChild: ResolveChild, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  yield* tarEntry(entry, rootName, rootName, resolveChild, signal);
  // two zero blocks end the archive
  yield new Uint8Array(BLOCK * 2);
}

async function* tarEntry(entry: UnixFSEntry, name: string, root: string, resolveChild: ResolveChild, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const cleaned = path.posix.normalize(name);
  if (!cleaned.startsWith(root) || cleaned.startsWith("..")) throw new TarPathOutsideRootError();
  const unixfs = entry.type === "file" || entry.type === "directory" ? entry.unixfs : undefined;
  const mtime = unixfs?.mtime ? Number(unixfs.mtime.secs) : Math.floor(Date.now() / 1000);
  if (entry.type === "directory") {
    yield* header({ name, mode: unixfs?.mode ?? 0o755, size: 0, mtime, type: "5" });
    for await (const child of entry.entries({ signal })) {
      signal?.throwIfAborted();
      yield* tarEntry(await resolveChild(child.cid), path.posix.join(name, child.name), root, resolveChild, signal);
    }
    return;
  }
  if (entry.type === "file" && unixfs?.type === "symlink") {
    yield* header({ name, mode: unixfs.mode ?? 0o644, size: 0, mtime, type: "2", linkname: new TextDecoder().decode(unixfs.data) });
    return;
  }
  if (entry.type !== "file" && entry.type !== "raw" && entry.type !== "identity")
    throw new IpfsNodeError(`${name}: not a UnixFS file or directory, so not in a TAR`);
  const size = Number(entry.size);
  yield* header({ name, mode: unixfs?.mode ?? 0o644, size, mtime, type: "0" });
  for await (const chunk of entry.content({ signal })) yield chunk;
  if (size % BLOCK !== 0) yield new Uint8Array(BLOCK - (size % BLOCK));
}

interface TarHeader {
  name: string;
  mode: number;
  size: number;
  mtime: number;
  /** "0" file, "2" symlink, "5" directory, "x" PAX extended header. */
  type: string;
  linkname?: string;
}

/** The USTAR header of an entry, after a PAX header when its names do not fit USTAR. */
function* header(entry: TarHeader): Generator<Uint8Array> {
  const name = entry.type === "5" ? `${entry.name}/` : entry.name;
  const fits = (value: string, limit: number) => /^[\x20-\x7e]*$/.test(value) && value.length <= limit;
  const pax: string[] = [];
  if (!fits(name, 100)) pax.push(paxRecord("path", name));
  if (entry.linkname !== undefined && !fits(entry.linkname, 100)) pax.push(paxRecord("linkpath", entry.linkname));
  const sizeFits = entry.size <= USTAR_MAX_SIZE;
  if (!sizeFits) pax.push(paxRecord("size", String(entry.size)));
  if (pax.length > 0) {
    const body = encoder.encode(pax.join(""));
    yield ustar({ name: `PaxHeaders/${asciiPrefix(entry.name, 80)}`, mode: 0o644, size: body.length, mtime: entry.mtime, type: "x" });
    yield body;
    if (body.length % BLOCK !== 0) yield new Uint8Array(BLOCK - (body.length % BLOCK));
  }
  yield ustar({
    ...entry,
    name: asciiPrefix(name, 100),
    size: sizeFits ? entry.size : 0,
    linkname: entry.linkname === undefined ? undefined : asciiPrefix(entry.linkname, 100),
  });
}

/** A PAX record: "<length> <key>=<value>\n", the length counting itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = encoder.encode(rest).length;
  let length = restBytes + String(restBytes).length;
  if (String(length).length !== String(restBytes).length) length = restBytes + String(length).length;
  return `${length}${rest}`;
}

function asciiPrefix(value: string, limit: number): string {
  return value.replace(/[^\x20-\x7e]/g, "_").slice(0, limit);
}

function ustar(entry: TarHeader): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, length: number, value: string) => block.set(encoder.encode(value).subarray(0, length), offset);
  const octal = (offset: number, length: number, value: number) => put(offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
  put(0, 100, entry.name);
  octal(100, 8, entry.mode & 0o7777);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, entry.size);
  octal(136, 12, Math.max(0, entry.mtime));
  put(156, 1, entry.type);
  put(157, 100, entry.linkname ?? "");
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  // the checksum is computed with its own field as spaces
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}
