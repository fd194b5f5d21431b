/**
 * CAR `entity-bytes=from:to` (trustless gateway spec, IPIP-402): for a UnixFS file, only the
 * blocks needed to read and verify that byte range, DFS from the file's root: every node whose
 * span meets the range, and no leaf outside it. `from` and `to` are inclusive offsets; a negative
 * one counts from the end, `to` may be `*` (the last byte). Parsed as boxo's gateway parses it.
 */
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import type { CID } from "multiformats/cid";
import { InvalidArgumentError } from "../errors.ts";
import { isIdentityCid, readBlock } from "../identity-blocks.ts";
import type { IpfsStore } from "../store.ts";

export interface EntityBytes {
  from: number;
  /** undefined for `*`. */
  to?: number;
}

/** The `entity-bytes` value; Kubo's 400 when it is malformed. */
export function parseEntityBytes(value: string): EntityBytes {
  const refuse = (why: string) => new InvalidArgumentError(`invalid application/vnd.ipld.car entity-bytes URL parameter: ${why}`);
  const parts = value.split(":");
  if (parts.length !== 2) throw refuse("range must have two numbers separated with ':'");
  const integer = (text: string) => {
    if (!/^[+-]?\d+$/.test(text)) throw refuse(`strconv.ParseInt: parsing "${text}": invalid syntax`);
    return Number(text);
  };
  const from = integer(parts[0]);
  if (parts[1] === "*") return { from };
  const to = integer(parts[1]);
  if (((from >= 0 && to >= 0) || (from < 0 && to < 0)) && from > to) throw refuse("cannot have an entity-bytes range where 'from' is after 'to'");
  return { from, to };
}

/** The range as inclusive offsets into a file of `size` bytes; undefined when it holds no byte. */
export function resolveEntityBytes({ from, to }: EntityBytes, size: number): { first: number; last: number } | undefined {
  const first = from < 0 ? Math.max(0, size + from) : from;
  const last = Math.min(size - 1, to === undefined ? size - 1 : to < 0 ? size + to : to);
  return first <= last && first < size ? { first, last } : undefined;
}

/** The blocks of the file DAG at `cid` that cover bytes `first`..`last`, DFS, the root first. */
export async function* fileRangeBlocks(
  store: IpfsStore,
  cid: CID,
  range: { first: number; last: number },
  signal: AbortSignal,
  start = 0,
): AsyncGenerator<CID> {
  signal.throwIfAborted();
  yield cid;
  if (cid.code !== dagPb.code || isIdentityCid(cid)) return;
  const node = dagPb.decode(await readBlock(store, cid, signal));
  const unixfs = UnixFS.unmarshal(node.Data ?? new Uint8Array(0));
  let offset = start + (unixfs.data?.length ?? 0);
  for (let i = 0; i < node.Links.length; i++) {
    const span = Number(unixfs.blockSizes[i] ?? 0n);
    if (offset <= range.last && offset + span - 1 >= range.first) yield* fileRangeBlocks(store, node.Links[i].Hash, range, signal, offset);
    offset += span;
  }
}
