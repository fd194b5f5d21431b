/**
 * Test helper: entry directories built by hand, block by block, as a stranger's tool could build
 * them, including DAG bombs: a UnixFS file that declares gigabytes but is stored in a few hundred
 * kilobytes (one leaf linked many times, through a few levels of tree nodes). Blocks are kept in a
 * map by CID string, to be served by a test gateway or put on a node with `block/put`.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as dagPb from "@ipld/dag-pb";
import { Wallet } from "ethers";
import { UnixFS } from "ipfs-unixfs";
import { importer } from "ipfs-unixfs-importer";
import { create as createKuboClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { cidToDigest } from "#core/cid.ts";
import { entryImporterOptions } from "#core/entry/index.ts";
import { providerFor, registryAt } from "../../scripts/chain/registry.ts";

/** Hardhat's second development account: someone other than the CLI's default author. */
export const STRANGER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export type Blocks = Map<string, Uint8Array>;

export interface Node {
  cid: CID;
  /** What a link to it declares as Tsize: the bytes of every block below, as an honest tool counts them. */
  tsize: number;
}

async function put(blocks: Blocks, code: number, bytes: Uint8Array): Promise<CID> {
  const cid = CID.createV1(code, await sha256.digest(bytes));
  blocks.set(cid.toString(), bytes);
  return cid;
}

/** A file as `ipfs add --cid-version=1` stores it (the entry importer settings). */
export async function addFile(blocks: Blocks, content: Uint8Array | string): Promise<Node> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const store = {
    put: async (cid: CID, block: Uint8Array) => {
      blocks.set(cid.toString(), block);
      return cid;
    },
  };
  let root: CID | undefined;
  for await (const entry of importer([{ content: bytes }], store, entryImporterOptions(false))) root = entry.cid;
  return { cid: root!, tsize: bytes.byteLength + (root!.code === raw.code ? 0 : blocks.get(root!.toString())!.byteLength) };
}

/**
 * A UnixFS file node over `children`, each declaring `claim` bytes (the honest claim is the child's
 * real size; a liar claims less or more).
 */
export async function fileNode(blocks: Blocks, children: Array<{ node: Node; claim: bigint }>): Promise<Node> {
  const data = new UnixFS({ type: "file", blockSizes: children.map((c) => c.claim) });
  const bytes = dagPb.encode(dagPb.prepare({ Data: data.marshal(), Links: children.map((c) => ({ Hash: c.node.cid, Tsize: c.node.tsize })) }));
  return { cid: await put(blocks, dagPb.code, bytes), tsize: bytes.byteLength + children.reduce((sum, c) => sum + c.node.tsize, 0) };
}

/**
 * A file declaring `leafBytes` x `fanouts` product bytes, stored as one leaf of `leafBytes` and one
 * tree node per level: e.g. 256 KiB x [174, 47] is 2.0 GB from ~260 KB of blocks.
 */
export async function dagBomb(blocks: Blocks, leafBytes: number, fanouts: number[]): Promise<Node & { declared: bigint }> {
  let node: Node = { cid: await put(blocks, raw.code, new Uint8Array(leafBytes).fill(0x61)), tsize: leafBytes };
  let size = BigInt(leafBytes);
  for (const fanout of fanouts) {
    node = await fileNode(
      blocks,
      Array.from({ length: fanout }, () => ({ node, claim: size })),
    );
    size *= BigInt(fanout);
  }
  return { ...node, declared: size };
}

/** A UnixFS directory of `links` (sorted by name as UnixFS sorts them). */
export async function directoryNode(blocks: Blocks, links: Record<string, Node>): Promise<Node> {
  const names = Object.keys(links).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const bytes = dagPb.encode(
    dagPb.prepare({
      Data: new UnixFS({ type: "directory" }).marshal(),
      Links: names.map((name) => ({ Name: name, Hash: links[name].cid, Tsize: links[name].tsize })),
    }),
  );
  return { cid: await put(blocks, dagPb.code, bytes), tsize: bytes.byteLength + names.reduce((sum, name) => sum + links[name].tsize, 0) };
}

/** The files of an ordinary entry, with `overrides` in place of some of them. */
export async function entryWith(blocks: Blocks, title: string, overrides: Record<string, Node> = {}): Promise<Node> {
  const metadata = {
    name: title,
    description: `${title}.`,
    image: "card.svg",
    attributes: [],
    properties: {
      format: "til-entry/1",
      title,
      date: "2024-03-01",
      tags: ["limits"],
      files: { markdown: "index.md", html: "index.html", card: "card.svg", images: [] },
      markdown: "",
    },
  };
  const files: Record<string, Node> = {
    "index.md": await addFile(blocks, `---\ntitle: ${title}\ndate: 2024-03-01\ntags: [limits]\n---\n${title}.\n`),
    "index.html": await addFile(blocks, `<!doctype html><title>${title}</title>`),
    "metadata.json": await addFile(blocks, JSON.stringify(metadata)),
    "card.svg": await addFile(blocks, `<svg xmlns="http://www.w3.org/2000/svg"><text>${title}</text></svg>`),
  };
  for (const [path, node] of Object.entries(overrides)) {
    if (path.startsWith("images/")) files.images = await directoryNode(blocks, { [path.slice("images/".length)]: node });
    else files[path] = node;
  }
  return directoryNode(blocks, files);
}

/**
 * What a stranger's tool can do with a running stack: put `blocks` on its node one by one with the
 * Kubo RPC's `block/put`, pin `root` (directly: a recursive pin makes the node itself walk every
 * byte a bomb declares, which is the node's business, not the readers') and mint it as the stranger.
 * @returns the entry's CID and sequence number
 */
export async function putAndMint(
  stack: { apiUrl: string; rpcUrl: string; home: string },
  blocks: Blocks,
  root: CID,
): Promise<{ cid: string; sequence: number }> {
  const ipfs = createKuboClient({ url: stack.apiUrl });
  for (const [key, bytes] of blocks) {
    const put = await ipfs.block.put(bytes, { format: CID.parse(key).code === raw.code ? "raw" : "dag-pb", version: 1 });
    assert.equal(put.toString(), key);
  }
  await ipfs.pin.add(root, { recursive: false });
  const deployment = JSON.parse(await readFile(path.join(stack.home, "deployment.json"), "utf8"));
  const provider = providerFor(stack.rpcUrl, 31337);
  try {
    const registry = registryAt(deployment.address, new Wallet(STRANGER_KEY, provider));
    await (await registry.getFunction("publish")(cidToDigest(root.toString()), `0x${"0".repeat(64)}`)).wait();
    return { cid: root.toString(), sequence: Number(await registry.getFunction("totalEntries")()) };
  } finally {
    provider.destroy();
  }
}
