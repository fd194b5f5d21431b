/**
 * Entries outlive their author's node: three nodes A, B and C as separate processes with separate
 * repos on separate hosts (see hosts.ts): as root on Linux each in a network namespace of its own,
 * joined by veth pairs on a bridge, with no route out; otherwise (or with TIL_TEST_HOSTS=loopback)
 * on distinct loopback addresses 127.0.0.1/.2/.3 (outside Linux all on 127.0.0.1 with distinct
 * ports). The suite's name and a diagnostic line say which was used. None of the nodes knows the
 * public network. A publishes entries; B knows only A, finds A through the DHT and pins the
 * entries over Bitswap; C knows only B; A is stopped (its process gone, and in namespace mode
 * nothing left running in A's namespace); C's gateway serves every entry, and a reader checking
 * every block against its CID (core/retrieve) reads them back from it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { makeTempRepo } from "../ipfs/daemon-process.ts";
import { createHosts, namespacePids } from "./hosts.ts";
import { addEntries, eventually, startPeer, stopPeersAndHosts, type PeerNode } from "./peers.ts";

const NOTES = [
  "# Content addressing\n\nA CID names bytes, not a place.\n",
  "# Kademlia\n\nXOR distance makes lookups logarithmic.\n",
  "# Bitswap\n\nPeers trade blocks by want lists.\n",
];

const hosts = await createHosts(3);
const [hostA, hostB, hostC] = hosts.hosts;

describe(`three nodes on ${hosts.mode === "netns" ? "network namespaces" : "loopback addresses"}: A publishes, B mirrors from A, C reads from B after A is gone`, () => {
  const nodes: PeerNode[] = [];
  let a: PeerNode;
  let b: PeerNode;
  let c: PeerNode;
  let entries: Awaited<ReturnType<typeof addEntries>>;

  before(async () => {
    a = await startPeer(await makeTempRepo(), { host: hostA });
    nodes.push(a);
    entries = await addEntries(a, NOTES);
    b = await startPeer(await makeTempRepo(), { host: hostB, bootstrap: [a.dialAddress] });
    nodes.push(b);
  });
  after(() => stopPeersAndHosts(nodes, hosts));

  it("B, knowing only A, finds A as the provider of each entry through the DHT", async (t) => {
    t.diagnostic(hosts.description);
    for (const [node, host] of [
      [a, hostA],
      [b, hostB],
    ] as const) {
      assert.ok(node.dialAddress.startsWith(`/ip4/${host.address}/tcp/`), node.dialAddress);
      assert.equal(new URL(node.apiUrl).hostname, host.address, "the RPC API is on the node's host");
    }
    await eventually("B is connected to A", async () => JSON.stringify((await b.rpc("swarm/peers")).json()).includes(a.peerId));
    const providersOf = async (cid: string) => {
      const found = await b.rpc("routing/findprovs", { arg: cid, "num-providers": "1" });
      assert.equal(found.status, 200, found.body);
      const events = found.lines() as Array<{ Type: number; Responses: Array<{ ID: string; Addrs: string[] }> | null }>;
      return events.filter((event) => event.Type === 4).flatMap((event) => event.Responses?.map((response) => response.ID) ?? []);
    };
    // B's DHT routing table takes A in once identify has told B that A speaks the DHT protocol
    await eventually("B's DHT finds A as a provider", async () => (await providersOf(entries[0].cid)).length > 0);
    for (const { cid } of entries) assert.deepEqual(await providersOf(cid), [a.peerId], `providers of ${cid}`);
  });

  it("B pins every entry from the network (Bitswap, with progress as Kubo), and counts the blocks it received", async () => {
    for (const [index, { cid, files }] of entries.entries()) {
      if (index === 0) {
        // with progress, as Kubo: the blocks walked (and fetched), then the pins
        const pinned = await b.rpc("pin/add", { arg: cid, progress: "true" });
        assert.equal(pinned.status, 200, pinned.body);
        const last = pinned.lines().at(-1) as { Pins: string[]; Progress: number };
        assert.deepEqual(last.Pins, [cid]);
        assert.ok(last.Progress > files.size, `${last.Progress} blocks walked for ${files.size} files and their folder`);
        continue;
      }
      const pinned = await b.rpc("pin/add", { arg: cid });
      assert.equal(pinned.status, 200, pinned.body);
      assert.deepEqual(pinned.json(), { Pins: [cid] });
    }
    const stat = (await b.rpc("bitswap/stat")).json() as { BlocksReceived: number; DataReceived: number };
    assert.ok(stat.BlocksReceived >= entries.length * 2, `B received ${stat.BlocksReceived} blocks`);
    assert.ok(stat.DataReceived > 0);
    const ls = (await b.rpc("pin/ls", { type: "recursive" })).json() as { Keys: Record<string, unknown> };
    for (const { cid } of entries) assert.ok(cid in ls.Keys, `${cid} is pinned on B`);
  });

  it("with A stopped, C (knowing only B) serves every entry from its gateway, verified block by block", async () => {
    c = await startPeer(await makeTempRepo(), { host: hostC, bootstrap: [b.dialAddress] });
    nodes.push(c);
    await a.stop();
    assert.throws(() => process.kill(a.child.pid as number, 0), { code: "ESRCH" }, "A's process is gone");
    if (hostA.namespace) assert.deepEqual(await namespacePids(hostA.namespace), [], `nothing runs in ${hostA.namespace}`);
    await eventually("B has noticed that A is gone", async () => !JSON.stringify((await b.rpc("swarm/peers")).json()).includes(a.peerId));
    const peersOfC = JSON.stringify((await c.rpc("swarm/peers")).json());
    assert.ok(peersOfC.includes(b.peerId) && !peersOfC.includes(a.peerId), peersOfC);

    const reader = new VerifiedGatewayBlockstore([c.gatewayUrl]);
    for (const { cid, files } of entries) {
      assert.deepEqual((await listEntryFiles(reader, cid)).toSorted(), [...files.keys()].toSorted());
      for (const [path, content] of files) assert.deepEqual(await readEntryFile(reader, cid, path), content, `${cid}/${path}`);
      const page = await fetch(`${c.gatewayUrl}/ipfs/${cid}/index.md`);
      assert.equal(page.status, 200);
      assert.deepEqual(new Uint8Array(await page.arrayBuffer()), files.get("index.md"));
    }
    assert.deepEqual(reader.failures, []);
  });

  it("C only cached what it fetched: nothing is pinned there, and repo gc removes it", async () => {
    const pins = (await c.rpc("pin/ls", { type: "recursive" })).json() as { Keys: Record<string, unknown> };
    assert.deepEqual(pins.Keys, {});
    const removed = (await c.rpc("repo/gc")).lines() as Array<{ Key: { "/": string } }>;
    assert.ok(removed.length >= entries.length * 2, `gc removed ${removed.length} blocks`);
    const stat = (await c.rpc("repo/stat")).json() as { NumObjects: number };
    assert.equal(stat.NumObjects, 0);
  });
});
