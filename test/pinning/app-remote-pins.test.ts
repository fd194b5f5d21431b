/**
 * The app's remote pinning after minting (frontend/src/editor/remote-pins.ts) against started
 * nodes: through node A's RPC API it asks every service A knows (here B's Pinning Service API)
 * and follows each request to pinned; a second run follows the request already there instead of
 * sending another; a service that refuses the key is reported, not fatal; no service, no request.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KuboRPCClient } from "kubo-rpc-client";
import { followRemotePins, type RemotePinState } from "../../frontend/src/editor/remote-pins.ts";
import type { DaemonProcess } from "../ipfs/daemon-process.ts";
import { pinningApi, type PinningDaemon, startPinningPair, tearDown } from "./pinning-daemons.ts";

describe("the app's remote pinning after minting", () => {
  let a: DaemonProcess;
  let b: PinningDaemon;
  let apiA: KuboRPCClient;
  let token: string;
  before(async () => {
    ({ a, apiA, b, token } = await startPinningPair("app"));
  });
  after(() => tearDown([a, b].filter(Boolean)));

  it("does nothing when the node knows no service", async () => {
    const { cid } = await apiA.add(new TextEncoder().encode("no service\n"));
    const updates: RemotePinState[][] = [];
    assert.deepEqual(await followRemotePins(apiA, cid.toString(), (s) => updates.push(s)), []);
    assert.equal(updates.length, 0);
  });

  it("asks each service, follows the request to pinned, and never asks twice for one CID", async () => {
    await apiA.pin.remote.service.add("friend", { endpoint: new URL(b.pinningUrl), key: token });
    await apiA.pin.remote.service.add("refusing", { endpoint: new URL(b.pinningUrl), key: `tilpin_000000000000_${"A".repeat(43)}` });
    const { cid } = await apiA.add(new TextEncoder().encode("minted in the app\n"));
    const updates: RemotePinState[][] = [];
    const last = await followRemotePins(apiA, cid.toString(), (s) => updates.push(s), { pollMs: 100 });
    assert.deepEqual(updates[0], [
      { service: "friend", status: "asking" },
      { service: "refusing", status: "asking" },
    ]);
    assert.deepEqual(
      last.map((s) => s.status),
      ["pinned", "refused"],
    );
    assert.match(last[1].message ?? "", /401 UNAUTHORIZED/);

    const again = await followRemotePins(apiA, cid.toString(), () => {}, { pollMs: 100 });
    assert.equal(again[0].status, "pinned");
    const onB = await pinningApi(b.pinningUrl, token, "GET", `/pins?cid=${cid}&status=queued,pinning,pinned,failed`);
    assert.equal(onB.json.count, 1, "one request for the CID");
  });
});
