/**
 * The node as a peer, one feature at a time, with no bootstrap peers, each node on a host of its
 * own (see hosts.ts: network namespaces as root on Linux, else distinct loopback addresses; forced
 * with TIL_TEST_HOSTS=loopback; the suite names and a diagnostic line say which): its peer ID is
 * its identity key's across restarts, `--offline` makes no connection at all, swarm/connect and
 * swarm/disconnect, trustless gateways (`--trustless-gateways`) whose every block is checked
 * against its CID (a gateway that alters a block is not believed), and a DAG whose blocks are
 * split across two peers fetched whole (a block the peer that sent the root lacks is asked of the
 * others).
 */
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { create } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { makeTempRepo, removeRepo, startDaemonProcess, type DaemonProcess } from "../ipfs/daemon-process.ts";
import { createHosts } from "./hosts.ts";
import { addEntries, eventually, startPeer, stopPeersAndHosts } from "./peers.ts";

const hosts = await createHosts(3);
const [hostA, hostB, hostC] = hosts.hosts;
/** Where the test's own servers listen so that the nodes' hosts reach them (the bridge in namespace mode). */
const testAddress = hosts.testAddress;
const on = hosts.mode === "netns" ? "(network namespaces)" : "(loopback addresses)";

const started: DaemonProcess[] = [];
after(() => stopPeersAndHosts(started, hosts));
const track = <T extends DaemonProcess>(node: T): T => {
  started.push(node);
  return node;
};

const escapeDots = (address: string) => address.replaceAll(".", "\\.");

async function rpcJson(apiUrl: string, command: string, query = ""): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${apiUrl}/api/v0/${command}${query}`, { method: "POST" });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe(`peer identity ${on}`, () => {
  it("is the node's identity key: the same peer ID online, offline and after a restart, with real addresses online", async (t) => {
    t.diagnostic(hosts.description);
    const repo = await makeTempRepo();
    const first = await startPeer(repo, { host: hostA });
    assert.match(first.output(), new RegExp(`Peer identity: ${first.peerId}`));
    const id = (await first.rpc("id")).json() as { Addresses: string[]; Protocols: string[] };
    assert.ok(id.Addresses.length >= 2, JSON.stringify(id));
    for (const address of id.Addresses) assert.match(address, new RegExp(`^/ip4/${escapeDots(hostA.address)}/tcp/\\d+(/ws)?/p2p/${first.peerId}$`));
    assert.ok(id.Protocols.includes("/ipfs/kad/1.0.0") && id.Protocols.some((protocol) => protocol.startsWith("/ipfs/bitswap/")), id.Protocols.join(" "));
    const listen = (await first.rpc("swarm/addrs/listen")).json() as { Strings: string[] };
    assert.deepEqual(listen.Strings.toSorted(), id.Addresses.map((address) => address.replace(`/p2p/${first.peerId}`, "")).toSorted());
    await first.stop();

    const offline = await startDaemonProcess(repo, ["--offline"]);
    const offlineId = await rpcJson(offline.apiUrl, "id");
    assert.equal(offlineId.json.ID, first.peerId);
    assert.deepEqual(offlineId.json.Addresses, []);
    await offline.stop();

    const again = track(await startPeer(repo, { host: hostA }));
    assert.equal(again.peerId, first.peerId);
  });
});

describe(`no reachable peers ${on}`, () => {
  it("starts normally and says it has 0 peers, without error messages", async () => {
    const lonely = track(
      await startPeer(await makeTempRepo(), {
        host: hostA,
        // a bootstrap peer nobody listens for
        bootstrap: ["/ip4/127.0.0.1/tcp/9/p2p/12D3KooWBRtkXGhK3BnHKHFWb4KD5SsGiNQz3PvPJWQBm3VqSZXs"],
      }),
    );
    await eventually("the first bootstrap round is reported", async () => lonely.output().includes("Connected to 0 peers"));
    assert.doesNotMatch(lonely.output(), /error|Error|ECONNREFUSED|at .*\.js:\d+/);
    assert.deepEqual((await lonely.rpc("swarm/peers")).json(), { Peers: [] });
  });

  it("a block nobody sends fails at the fetch timeout, saying so and what to check", async () => {
    const lonely = track(await startPeer(await makeTempRepo(), { host: hostA, extraArgs: ["--fetch-timeout", "1s"] }));
    const nowhere = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    const pinned = await lonely.rpc("pin/add", { arg: nowhere });
    assert.equal(pinned.status, 500);
    assert.match(
      (pinned.json() as { Message: string }).Message,
      new RegExp(
        `^block ${nowhere} is not in this node's store, and no peer or gateway sent it within the fetch timeout\\. Check that a node holding it is reachable`,
      ),
    );
  });
});

describe("a swarm address in use", () => {
  it("stops the start with the address, the reason and what to do", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    const repo = await makeTempRepo();
    try {
      await assert.rejects(
        startDaemonProcess(repo, ["--swarm", `/ip4/127.0.0.1/tcp/${port}`, "--bootstrap", "none"]),
        new RegExp(`exited with 1 before it was ready:[\\s\\S]*cannot listen on /ip4/127\\.0\\.0\\.1/tcp/${port}: .*EADDRINUSE.*--swarm .*--offline`),
      );
    } finally {
      holder.close();
      await removeRepo(repo);
    }
  });
});

describe(`--offline ${on}`, () => {
  it("makes no connection: the network commands refuse, a block a reachable peer has is a 504 at once", async () => {
    const holder = track(await startPeer(await makeTempRepo(), { host: hostA }));
    const { cid } = await create({ url: holder.apiUrl }).add(new TextEncoder().encode("only on the holder\n"), { cidVersion: 1 });
    // the environment names the holder as bootstrap peer; --offline wins over it
    const offline = track(await startDaemonProcess(await makeTempRepo(), ["--offline"], { TIL_IPFS_BOOTSTRAP: holder.dialAddress }));
    assert.match(offline.output(), /offline mode/);
    const peers = await rpcJson(offline.apiUrl, "swarm/peers");
    assert.equal(peers.status, 500);
    assert.match(String(peers.json.Message), /must be run in online mode/);
    assert.equal((await fetch(`${offline.gatewayUrl}/ipfs/${cid}`)).status, 504);
    assert.deepEqual((await holder.rpc("swarm/peers")).json(), { Peers: [] });
  });
});

describe(`swarm/connect and swarm/disconnect ${on}`, () => {
  it("connect a peer by address, list it, and disconnect it, with Kubo's answers", async () => {
    const one = track(await startPeer(await makeTempRepo(), { host: hostA }));
    const two = track(await startPeer(await makeTempRepo(), { host: hostB }));
    assert.deepEqual((await one.rpc("swarm/peers")).json(), { Peers: [] });
    const connected = await one.rpc("swarm/connect", { arg: two.dialAddress });
    assert.equal(connected.status, 200, connected.body);
    assert.deepEqual(connected.json(), { Strings: [`connect ${two.peerId} success`] });
    const peers = (await one.rpc("swarm/peers")).json() as { Peers: Array<{ Peer: string; Addr: string }> };
    assert.deepEqual(
      peers.Peers.map((peer) => peer.Peer),
      [two.peerId],
    );
    assert.match(peers.Peers[0].Addr, new RegExp(`^/ip4/${escapeDots(hostB.address)}/tcp/\\d+$`));
    const disconnected = await one.rpc("swarm/disconnect", { arg: two.dialAddress });
    assert.deepEqual(disconnected.json(), { Strings: [`disconnect ${two.peerId} success`] });
    await eventually("the connection is closed on both sides", async () => ((await two.rpc("swarm/peers")).json() as { Peers: unknown[] }).Peers.length === 0);
    const refused = await one.rpc("swarm/connect", { arg: "/ip4/127.0.0.1/tcp/1" });
    assert.equal(refused.status, 500);
    assert.match(refused.body, /must end in \/p2p/);
  });
});

describe(`--trustless-gateways ${on}`, () => {
  it("fetches missing blocks from listed gateways, checks each against its CID, and never believes an altered one", async () => {
    // the origin and the tampering gateway run where the nodes' hosts reach them
    const origin = track(await startDaemonProcess(await makeTempRepo(), [], {}, { bindAddress: testAddress }));
    const content = new TextEncoder().encode("served by a gateway, checked by its CID\n");
    const { cid } = await create({ url: origin.apiUrl }).add(content, { cidVersion: 1 });
    // a gateway that flips one byte of every block it sends
    let tamperedAnswers = 0;
    const tampering = http.createServer(async (req, res) => {
      tamperedAnswers++;
      const upstream = await fetch(`${origin.gatewayUrl}${req.url}`, { headers: { accept: req.headers.accept ?? "*/*" } });
      const body = new Uint8Array(await upstream.arrayBuffer());
      if (body.length > 0) body[body.length - 1] ^= 0xff;
      res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/octet-stream" });
      res.end(body);
    });
    await new Promise<void>((resolve) => tampering.listen(0, testAddress, resolve));
    after(() => tampering.close());
    const tamperingUrl = `http://${testAddress}:${(tampering.address() as AddressInfo).port}`;

    const misled = track(await startPeer(await makeTempRepo(), { host: hostA, extraArgs: ["--trustless-gateways", tamperingUrl, "--fetch-timeout", "3s"] }));
    assert.equal((await fetch(`${misled.gatewayUrl}/ipfs/${cid}`)).status, 504);
    assert.ok(tamperedAnswers > 0, "the node asked the gateway");
    assert.equal(((await misled.rpc("repo/stat")).json() as { NumObjects: number }).NumObjects, 0, "the altered block was not stored");

    const served = track(
      await startPeer(await makeTempRepo(), {
        host: hostA,
        extraArgs: ["--trustless-gateways", `${tamperingUrl},${origin.gatewayUrl}`, "--fetch-timeout", "10s"],
      }),
    );
    const response = await fetch(`${served.gatewayUrl}/ipfs/${cid}`);
    assert.equal(response.status, 200);
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), content);
    assert.deepEqual(((await served.rpc("pin/ls", { type: "recursive" })).json() as { Keys: object }).Keys, {}, "fetched, not pinned");
  });

  it("serves from a gateway with the DHT in its default (auto) mode and no peers at all", async () => {
    const origin = track(await startDaemonProcess(await makeTempRepo(), ["--offline"], {}, { bindAddress: testAddress }));
    const content = new TextEncoder().encode("no peers, no DHT answer: the gateway still serves\n");
    const { cid } = await create({ url: origin.apiUrl }).add(content, { cidVersion: 1 });
    const reader = track(
      await startPeer(await makeTempRepo(), {
        host: hostA,
        dht: "auto",
        extraArgs: ["--trustless-gateways", origin.gatewayUrl, "--fetch-timeout", "10s"],
      }),
    );
    const response = await fetch(`${reader.gatewayUrl}/ipfs/${cid}`);
    assert.equal(response.status, 200);
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), content);
  });
});

describe(`provide and find ${on}`, () => {
  it("a root is announced when pinned: a node that only shares a hub with its provider finds it through the DHT and fetches from it", async () => {
    const hub = track(await startPeer(await makeTempRepo(), { host: hostA }));
    const provider = track(await startPeer(await makeTempRepo(), { host: hostB, bootstrap: [hub.dialAddress] }));
    const seeker = track(await startPeer(await makeTempRepo(), { host: hostC, bootstrap: [hub.dialAddress] }));
    await eventually(
      "provider and seeker are connected to the hub",
      async () => ((await hub.rpc("swarm/peers")).json() as { Peers: unknown[] }).Peers.length === 2,
    );
    const content = new TextEncoder().encode("announced when pinned\n");
    const { cid } = await create({ url: provider.apiUrl }).add(content, { cidVersion: 1 });
    await eventually("the hub holds the provider record", async () => {
      const lines = (await seeker.rpc("routing/findprovs", { arg: cid.toString(), "num-providers": "1" })).lines() as Array<{
        Type: number;
        Responses: Array<{ ID: string }> | null;
      }>;
      return lines.some((line) => line.Type === 4 && line.Responses?.some((response) => response.ID === provider.peerId));
    });
    const cat = await seeker.rpc("cat", { arg: cid.toString() });
    assert.equal(cat.status, 200, cat.body);
    assert.equal(cat.body, "announced when pinned\n");
    assert.ok(JSON.stringify((await seeker.rpc("swarm/peers")).json()).includes(provider.peerId), "the seeker dialled the provider it found");

    const provided = await seeker.rpc("routing/provide", { arg: cid.toString() });
    assert.equal(provided.status, 200, provided.body);
    const missing = await seeker.rpc("routing/provide", { arg: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy" });
    assert.equal(missing.status, 500);
    assert.match(missing.body, /not found locally/);
  });
});

describe(`a DAG split across two peers ${on}`, () => {
  it("is fetched whole: the block the peer that sent the root lacks comes from the other peer, every file read back", async () => {
    const holder = track(await startPeer(await makeTempRepo(), { host: hostA }));
    const other = track(await startPeer(await makeTempRepo(), { host: hostB }));
    const [{ cid: root, files }] = await addEntries(holder, ["# Split\n\nThe root and most files on one peer, the last file on another.\n"]);
    const links = (await holder.rpc("ls", { arg: root })).json() as { Objects: Array<{ Links: Array<{ Name: string; Hash: string }> }> };
    const entryLinks = links.Objects[0].Links;
    assert.ok(entryLinks.length >= 2, JSON.stringify(links));
    const blockOf = async (cid: string) =>
      new Uint8Array(await (await fetch(`${holder.apiUrl}/api/v0/block/get?arg=${cid}`, { method: "POST" })).arrayBuffer());
    const blocks = new Map<string, Uint8Array>([[root, await blockOf(root)]]);
    for (const link of entryLinks) blocks.set(link.Hash, await blockOf(link.Hash));
    // the holder keeps the root and every file but the last; the other peer has only the last file
    assert.equal((await holder.rpc("pin/rm", { arg: root })).status, 200);
    assert.equal((await holder.rpc("repo/gc")).status, 200);
    const put = async (node: typeof holder, cid: string) => {
      const parsed = CID.parse(cid);
      const body = new FormData();
      body.append("file", new Blob([Buffer.from(blocks.get(cid) as Uint8Array)]));
      const query = new URLSearchParams({ "cid-codec": parsed.code === 0x55 ? "raw" : "dag-pb", mhtype: "sha2-256" });
      const response = await fetch(`${node.apiUrl}/api/v0/block/put?${query}`, { method: "POST", body });
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(((await response.json()) as { Key: string }).Key, cid);
    };
    const last = entryLinks[entryLinks.length - 1];
    for (const cid of [root, ...entryLinks.slice(0, -1).map((link) => link.Hash)]) await put(holder, cid);
    await put(other, last.Hash);
    const objects = async (node: typeof holder) => ((await node.rpc("repo/stat")).json() as { NumObjects: number }).NumObjects;
    assert.equal(await objects(holder), entryLinks.length, "the holder has the root and every file but the last");
    assert.equal(await objects(other), 1, "the other peer has the last file only");

    const reader = track(await startPeer(await makeTempRepo(), { host: hostC, bootstrap: [holder.dialAddress, other.dialAddress] }));
    await eventually("the reader is connected to both", async () => ((await reader.rpc("swarm/peers")).json() as { Peers: unknown[] }).Peers.length === 2);
    const pinned = await reader.rpc("pin/add", { arg: root });
    assert.equal(pinned.status, 200, pinned.body);
    for (const link of entryLinks) {
      const cat = await fetch(`${reader.apiUrl}/api/v0/cat?arg=${root}/${link.Name}`, { method: "POST" });
      assert.deepEqual(new Uint8Array(await cat.arrayBuffer()), files.get(link.Name), link.Name);
    }
    const sent = async (node: typeof holder) => ((await node.rpc("bitswap/stat")).json() as { BlocksSent: number }).BlocksSent;
    assert.equal(await sent(other), 1, "the other peer sent the one block it has");
    assert.equal(await sent(holder), entryLinks.length, "the holder sent the root and the files it has");
  });
});

describe(`fetching a DAG again from the peer that sent it ${on}`, () => {
  it("arrives again after the peer's do-not-resend window (5 s), not at the fetch timeout: a re-pin after gc", async () => {
    const holder = track(await startPeer(await makeTempRepo(), { host: hostA }));
    const reader = track(await startPeer(await makeTempRepo(), { host: hostB, bootstrap: [holder.dialAddress], extraArgs: ["--fetch-timeout", "3s"] }));
    const [{ cid: root }] = await addEntries(holder, ["# Fetched twice\n\nPinned, removed by gc, pinned again from the same peer.\n"]);
    await eventually(
      "the reader is connected to the holder",
      async () => ((await reader.rpc("swarm/peers")).json() as { Peers: unknown[] }).Peers.length === 1,
    );
    const first = await reader.rpc("pin/add", { arg: root });
    assert.equal(first.status, 200, first.body);
    assert.equal((await reader.rpc("pin/rm", { arg: root })).status, 200);
    assert.equal((await reader.rpc("repo/gc")).status, 200);
    assert.equal(((await reader.rpc("repo/stat")).json() as { NumObjects: number }).NumObjects, 0, "gc removed every block");
    // past Bitswap's window in which the holder does not send a block twice
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const again = await reader.rpc("pin/add", { arg: root });
    assert.equal(again.status, 200, `the second fetch of the same blocks from the same peer failed: ${again.body}`);
  });
});
