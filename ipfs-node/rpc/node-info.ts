/** `id`, `version`, `repo/stat`, `repo/gc`: who this node is and what its repo holds. */
import type { NodeIdentity } from "../identity.ts";
import type { Swarm } from "../network/swarm.ts";
import type { IpfsStore } from "../store.ts";
import { NdjsonStream, sendJson, type RpcRequest } from "./http-io.ts";

const NODE_VERSION = "0.1.0";
const AGENT_VERSION = `til-ipfs-node/${NODE_VERSION} (helia)`;
/** Repo format version of this node's folder layout. */
const REPO_VERSION = "1";

/** `id`: this node's peer ID and key; online, its listen addresses (with /p2p/<id>) and protocols, as Kubo answers. */
export function createIdRoute(identity: NodeIdentity, swarm?: Swarm) {
  return async function id({ res }: RpcRequest): Promise<void> {
    sendJson(res, {
      ID: identity.peerId,
      PublicKey: identity.publicKey,
      Addresses: swarm ? swarm.listenAddresses().map((address) => `${address}/p2p/${identity.peerId}`) : [],
      AgentVersion: AGENT_VERSION,
      Protocols: swarm ? swarm.libp2p.getProtocols().toSorted() : [],
    });
  };
}

export async function version({ res }: RpcRequest): Promise<void> {
  sendJson(res, {
    Version: NODE_VERSION,
    Commit: "",
    Repo: REPO_VERSION,
    System: `${process.arch}/${process.platform}`,
    Golang: `node${process.versions.node}`,
  });
}

export function createRepoStatRoute(store: IpfsStore) {
  return async function repoStat({ res }: RpcRequest): Promise<void> {
    const stat = await store.stat();
    sendJson(res, {
      RepoSize: stat.repoSize,
      StorageMax: 0,
      NumObjects: stat.numObjects,
      RepoPath: stat.repoPath,
      Version: `fs-repo@${REPO_VERSION}`,
    });
  };
}

export function createRepoGcRoute(store: IpfsStore) {
  return async function repoGc({ res, signal }: RpcRequest): Promise<void> {
    const output = new NdjsonStream(res);
    for await (const cid of store.collectGarbage(signal)) await output.write({ Key: { "/": cid.toString() } });
    output.end();
  };
}
