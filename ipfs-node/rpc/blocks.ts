/** `block/get`, `block/stat`, `block/put`, `dag/stat`: raw blocks and DAG sizes, as Kubo answers them. */
import { CID } from "multiformats/cid";
import * as dagPb from "@ipld/dag-pb";
import { InvalidArgumentError, UnsupportedError } from "../errors.ts";
import { isIdentityCid, readBlock } from "../identity-blocks.ts";
import { hasherNamed } from "../multihash.ts";
import { parseIpfsPath, resolveEntry } from "../ipfs-path.ts";
import type { IpfsStore } from "../store.ts";
import { boolOption, checkDeclaredLength, requiredArgs, sendJson, type RpcRequest } from "./http-io.ts";
import { multipartParts, requireMultipartBody } from "./multipart.ts";

/** Kubo refuses blocks over 1 MiB unless `allow-big-block` is set. */
const KUBO_MAX_BLOCK_BYTES = 1024 * 1024;

const CODECS: Record<string, number> = { raw: 0x55, "dag-pb": 0x70, "dag-cbor": 0x71, "dag-json": 0x0129, json: 0x0200, cbor: 0x51 };

async function cidOfArg(store: IpfsStore, arg: string, signal: AbortSignal): Promise<CID> {
  const path = parseIpfsPath(arg);
  return path.segments.length === 0 ? path.root : (await resolveEntry(store, path, signal)).cid;
}

export function createBlockGetRoute(store: IpfsStore) {
  return async function blockGet({ res, query, signal }: RpcRequest): Promise<void> {
    const [arg] = requiredArgs(query, "cid");
    const bytes = await readBlock(store, await cidOfArg(store, arg, signal), signal);
    res.writeHead(200, { "Content-Type": "text/plain", "X-Stream-Output": "1", "Content-Length": bytes.byteLength });
    res.end(bytes);
  };
}

export function createBlockStatRoute(store: IpfsStore) {
  return async function blockStat({ res, query, signal }: RpcRequest): Promise<void> {
    const [arg] = requiredArgs(query, "cid");
    const cid = await cidOfArg(store, arg, signal);
    const bytes = await readBlock(store, cid, signal);
    sendJson(res, { Key: cid.toString(), Size: bytes.byteLength });
  };
}

export function createBlockPutRoute(store: IpfsStore) {
  return async function blockPut({ req, res, query, signal, uploadLimitBytes }: RpcRequest): Promise<void> {
    requireMultipartBody(req, "data");
    checkDeclaredLength(req, uploadLimitBytes);
    const format = query.get("format");
    let codecName = query.get("cid-codec") || "raw";
    let version = 1;
    if (format) {
      // the deprecated --format: v0 (or protobuf) means CIDv0 dag-pb
      if (format === "v0" || format === "protobuf") [codecName, version] = ["dag-pb", 0];
      else if (format === "cbor") codecName = "dag-cbor";
      else codecName = format;
    }
    const code = CODECS[codecName];
    if (code === undefined) throw new UnsupportedError(`cid-codec "${codecName}" is not supported; use raw, dag-pb, dag-cbor or dag-json.`);
    const hasher = hasherNamed(query.get("mhtype") || "sha2-256");
    if (version === 0 && hasher.code !== 0x12) throw new InvalidArgumentError("only sha2-255-32 is allowed with CIDv0");
    const allowBig = boolOption(query, "allow-big-block", false);
    const pin = boolOption(query, "pin", false);
    const limit = Math.min(uploadLimitBytes, allowBig ? uploadLimitBytes : KUBO_MAX_BLOCK_BYTES + 64 * 1024);
    const keys: Array<{ Key: string; Size: number }> = [];
    for await (const part of multipartParts(req, limit, "data")) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      if (part.content instanceof Uint8Array) chunks.push(part.content);
      else if (part.content) for await (const chunk of part.content) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      size = bytes.byteLength;
      if (!allowBig && size > KUBO_MAX_BLOCK_BYTES) {
        throw new InvalidArgumentError(
          `produced block is over 1MiB: big blocks can't be exchanged with other peers. consider using UnixFS for automatic chunking of bigger files, or pass --allow-big-block to override`,
        );
      }
      if (code === CODECS["dag-pb"]) {
        try {
          dagPb.decode(bytes);
        } catch (err) {
          throw new InvalidArgumentError(`the block is not valid dag-pb: ${(err as Error).message}`);
        }
      }
      const cid = CID.create(version as 0 | 1, code, await hasher.digest(bytes));
      await store.putBlock(cid, bytes, { pin, signal });
      keys.push({ Key: cid.toString(), Size: size });
    }
    if (keys.length === 0) throw new InvalidArgumentError(`argument "data" is required`);
    res.writeHead(200, { "Content-Type": "application/json", "X-Chunked-Output": "1" });
    res.end(keys.map((key) => `${JSON.stringify(key)}\n`).join(""));
  };
}

export function createDagStatRoute(store: IpfsStore) {
  return async function dagStat({ res, query, signal }: RpcRequest): Promise<void> {
    const stats = [];
    const seen = new Map<string, number>();
    let totalSize = 0;
    let redundantSize = 0;
    for (const arg of requiredArgs(query, "root")) {
      const root = await cidOfArg(store, arg, signal);
      let size = 0;
      let numBlocks = 0;
      for await (const cid of isIdentityCid(root) ? [root] : store.walkDag(root, signal)) {
        const bytes = await readBlock(store, cid, signal);
        size += bytes.byteLength;
        numBlocks++;
        const key = cid.toString();
        if (seen.has(key)) redundantSize += bytes.byteLength;
        else seen.set(key, bytes.byteLength);
      }
      totalSize += size;
      stats.push({ Cid: { "/": root.toString() }, Size: size, NumBlocks: numBlocks });
    }
    const uniqueSize = totalSize - redundantSize;
    sendJson(res, {
      UniqueBlocks: seen.size,
      TotalSize: uniqueSize,
      SharedSize: redundantSize,
      Ratio: uniqueSize === 0 ? 1 : totalSize / uniqueSize,
      DagStats: stats,
    });
  };
}
