/**
 * Test helpers for nodes that are IPFS peers: each a real `til ipfs daemon` process with its own
 * repo on its own host ({@link createHosts}: a network namespace of its own where the machine
 * allows, else its own loopback address), its swarm, RPC API and gateway on the host's address and
 * free ports, `--bootstrap` naming only the test's other nodes (never the public bootstrap peers),
 * and the DHT in `lan` mode (a server that keeps private and loopback addresses: on a private
 * network there is no public address to switch on server mode).
 */
import { create } from "kubo-rpc-client";
import { ENTRY_ADD_OPTIONS, packEntry, parseNote } from "#core/entry/index.ts";
import { collectAll, removeRepo, startDaemonProcess, type DaemonProcess } from "../ipfs/daemon-process.ts";
import type { TestHost, TestHosts } from "./hosts.ts";

export { loopbackHost } from "./hosts.ts";

export interface PeerNode extends DaemonProcess {
  peerId: string;
  /** The swarm's TCP address with /p2p/<peer ID>, for another node's --bootstrap. */
  dialAddress: string;
  /** POST to the node's Kubo RPC API; the parsed JSON (or NDJSON lines) and the status. */
  rpc(command: string, args?: Record<string, string | string[]>): Promise<{ status: number; body: string; json: () => unknown; lines: () => unknown[] }>;
}

export interface PeerOptions {
  /**
   * The host the node runs on (from createHosts: inside its namespace, swarm, RPC API and gateway on
   * its address), or a loopback address such as 127.0.0.2 that only the swarm listens on (the RPC
   * API and gateway then on 127.0.0.1).
   */
  host: TestHost | string;
  /** Other nodes' dial addresses; none by default. */
  bootstrap?: string[];
  /** The DHT mode; `lan` by default (see above). */
  dht?: "auto" | "client" | "server" | "lan";
  extraArgs?: string[];
}

export async function startPeer(repo: string, { host: where, bootstrap = [], dht = "lan", extraArgs = [] }: PeerOptions): Promise<PeerNode> {
  const host = typeof where === "string" ? where : where.address;
  const daemon = await startDaemonProcess(
    repo,
    ["--swarm", `/ip4/${host}/tcp/0,/ip4/${host}/tcp/0/ws`, "--bootstrap", bootstrap.length === 0 ? "none" : bootstrap.join(","), "--dht", dht, ...extraArgs],
    {},
    typeof where === "string" ? {} : { commandPrefix: where.exec, bindAddress: where.address },
  );
  const rpc: PeerNode["rpc"] = async (command, args = {}) => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(args)) for (const item of Array.isArray(value) ? value : [value]) query.append(name, item);
    const response = await fetch(`${daemon.apiUrl}/api/v0/${command}?${query}`, { method: "POST" });
    const body = await response.text();
    return {
      status: response.status,
      body,
      json: () => JSON.parse(body),
      lines: () =>
        body
          .split("\n")
          .filter((line) => line.trim() !== "")
          .map((line) => JSON.parse(line)),
    };
  };
  const id = (await rpc("id")).json() as { ID: string; Addresses: string[] };
  const dialAddress = id.Addresses.find((address) => address.startsWith(`/ip4/${host}/tcp/`) && !address.includes("/ws/"));
  if (!dialAddress) throw new Error(`node on ${host} reports no TCP address: ${JSON.stringify(id)}\n${daemon.output()}`);
  return Object.assign(daemon, { peerId: id.ID, dialAddress, rpc });
}

/** Publish notes as the CLI adds entries (packed, Kubo's entry add options, pinned) on `node`; their root CIDs and files. */
export async function addEntries(node: PeerNode, notes: string[]): Promise<Array<{ cid: string; files: Map<string, Uint8Array> }>> {
  const api = create({ url: node.apiUrl });
  const entries = [];
  for (const markdown of notes) {
    const packed = await packEntry(parseNote(markdown));
    const added = await collectAll(
      api.addAll(
        packed.files.map((file) => ({ path: `entry/${file.path}`, content: file.content })),
        ENTRY_ADD_OPTIONS,
      ),
    );
    entries.push({
      cid: (added.at(-1) as { cid: { toString(): string } }).cid.toString(),
      files: new Map(packed.files.map((file) => [file.path, file.content])),
    });
  }
  return entries;
}

/** A suite's teardown: stop its nodes and remove their repos, then its hosts (also when a stop fails). */
export async function stopPeersAndHosts(nodes: DaemonProcess[], hosts: TestHosts): Promise<void> {
  try {
    for (const node of nodes) {
      await node.stop();
      await removeRepo(node.repo);
    }
  } finally {
    await hosts.remove();
  }
}

/** Poll until `check` holds (for background work such as a DHT announcement); throws with `what` after 30 s. */
export async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not true after 30 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
