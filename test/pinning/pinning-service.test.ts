/**
 * Remote pinning between two started nodes on loopback (separate processes and repos, offline: no
 * libp2p, so B fetches from A's trustless gateway, the HTTP origin A sends with its requests):
 * A pins on B's Pinning Service API with a token through Kubo's `pin/remote` commands; the API's
 * answers to a wrong token (401), an exceeded quota (409 INSUFFICIENT_FUNDS, and a DAG too large
 * for what is left), unknown requests and bad input; a B killed mid-pin finishes after restart;
 * and, with both nodes online as IPFS peers on loopback, B fetches over Bitswap from A's libp2p
 * origin.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { httpMultiaddr } from "../../ipfs-node/pinning/origins.ts";
import { collectAll, makeTempRepo, seededBytes, startDaemonProcess, type DaemonProcess } from "../ipfs/daemon-process.ts";
import { startPeer } from "../network/peers.ts";
import {
  createToken,
  holdingProxy,
  pins,
  tearDown,
  pinningApi,
  type PinningDaemon,
  startPinningDaemon,
  startPinningPair,
  til,
  waitForStatus,
} from "./pinning-daemons.ts";

const text = (value: string) => new TextEncoder().encode(value);

async function bytesOf(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  return Buffer.concat(await collectAll(source));
}

describe("remote pinning between two nodes", () => {
  let a: DaemonProcess;
  let b: PinningDaemon;
  let apiA: KuboRPCClient;
  let apiB: KuboRPCClient;
  let token: string;
  before(async () => {
    ({ a, apiA, b, token } = await startPinningPair("node-a"));
    apiB = create({ url: b.apiUrl });
  });
  after(() => tearDown([a, b].filter(Boolean)));

  it("A pins a DAG on B through pin/remote: B fetches it from A and pins it; ls and service ls --stat report it; the key is never shown", async () => {
    const { cid } = await apiA.add(seededBytes(600_000, 7));
    await apiA.pin.remote.service.add("friend", { endpoint: new URL(b.pinningUrl), key: token });
    const services = await apiA.pin.remote.service.ls();
    assert.deepEqual(
      services.map((s) => ({ service: s.service, endpoint: s.endpoint.toString() })),
      [{ service: "friend", endpoint: `${b.pinningUrl}/` }],
    );
    const raw = await (await fetch(`${a.apiUrl}/api/v0/pin/remote/service/ls?stat=true`, { method: "POST" })).text();
    assert.ok(!raw.includes(token), "service ls never shows the key");

    const pin = await apiA.pin.remote.add(cid, { service: "friend", name: "big-file" });
    assert.deepEqual({ cid: pin.cid.toString(), name: pin.name, status: pin.status }, { cid: cid.toString(), name: "big-file", status: "pinned" });

    // B holds it itself: pinned, and its blocks are B's own (B's gateway serves them with A stopped later)
    const pinsB = await collectAll(apiB.pin.ls({ paths: [cid] }));
    assert.equal(pinsB[0].type, "recursive");
    const fromB = await bytesOf(apiB.cat(cid));
    assert.deepEqual(fromB, await bytesOf(seededBytes(600_000, 7)));

    const listed = await collectAll(apiA.pin.remote.ls({ service: "friend" }));
    assert.deepEqual(
      listed.map((p) => [p.cid.toString(), p.status, p.name]),
      [[cid.toString(), "pinned", "big-file"]],
    );
    const [withStat] = await apiA.pin.remote.service.ls({ stat: true });
    assert.deepEqual(withStat.stat, { status: "valid", pinCount: { queued: 0, pinning: 0, pinned: 1, failed: 0 } });
    assert.ok(!a.output().includes(token) && !b.output().includes(token), "no log line holds the key");
  });

  it("refuses a missing or wrong token with 401 and the spec's error body; a revoked token from its next request on", async () => {
    const missing = await pinningApi(b.pinningUrl, undefined, "GET", "/pins");
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.reason, "UNAUTHORIZED");
    const wrong = await pinningApi(b.pinningUrl, `${token.slice(0, -4)}AAAA`, "GET", "/pins");
    assert.equal(wrong.status, 401);
    assert.deepEqual(Object.keys(wrong.json), ["error"]);
    assert.equal(wrong.json.error.reason, "UNAUTHORIZED");

    const revocable = await createToken(b.repo, "short-lived", "1MiB");
    assert.equal((await pinningApi(b.pinningUrl, revocable, "GET", "/pins")).status, 200);
    const id = revocable.split("_")[1];
    const revoked = await til(["ipfs", "pinning-token", "revoke", "--repo", b.repo, id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await pinningApi(b.pinningUrl, revocable, "GET", "/pins")).status, 401);

    // through A's RPC: a service added with a wrong key fails with the service's reason
    await apiA.pin.remote.service.add("wrong-key", { endpoint: new URL(b.pinningUrl), key: `tilpin_000000000000_${"A".repeat(43)}` });
    const { cid } = await apiA.add(text("refused\n"));
    await assert.rejects(apiA.pin.remote.add(cid, { service: "wrong-key" }), /401 UNAUTHORIZED/);
    const [, wrongStat] = await apiA.pin.remote.service.ls({ stat: true });
    assert.deepEqual(wrongStat.stat, { status: "invalid" });
  });

  it("a token's quota: a DAG larger than what is left fails with INSUFFICIENT_FUNDS; a used-up quota gets 409 INSUFFICIENT_FUNDS", async () => {
    const { cid: small } = await apiA.add(text("small entry\n"));
    const smallSize = (await apiA.block.stat(small)).size;
    const tight = await createToken(b.repo, "tight", `${smallSize}B`);
    const origins = [httpMultiaddr(a.gatewayUrl)];

    const { cid: large } = await apiA.add(seededBytes(5000, 3));
    const tooLarge = await pinningApi(b.pinningUrl, tight, "POST", "/pins", { cid: large.toString(), origins });
    assert.equal(tooLarge.status, 202);
    const failed = await waitForStatus(b.pinningUrl, tight, tooLarge.json.requestid, ["pinned", "failed"]);
    assert.equal(failed.status, "failed");
    assert.match(failed.info?.status_details ?? "", /^INSUFFICIENT_FUNDS: /);
    assert.equal(await pins(apiB, large), false, "nothing pinned on B");

    const fits = await pinningApi(b.pinningUrl, tight, "POST", "/pins", { cid: small.toString(), origins });
    assert.equal((await waitForStatus(b.pinningUrl, tight, fits.json.requestid, ["pinned", "failed"])).status, "pinned");
    const refused = await pinningApi(b.pinningUrl, tight, "POST", "/pins", { cid: large.toString(), origins });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.reason, "INSUFFICIENT_FUNDS");
    assert.match(refused.json.error.details ?? "", /quota/);

    const ls = await til(["ipfs", "pinning-token", "ls", "--repo", b.repo, "--json"]);
    const row = ls.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
      .find((r) => r.name === "tight");
    assert.deepEqual({ used: row.usedBytes, quota: row.quotaBytes, pins: row.pins }, { used: smallSize, quota: smallSize, pins: 2 });
    assert.ok(!ls.stdout.includes(tight), "ls never shows a token");
  });

  it("requests of one token pinning at the same time share its quota: of two that fit only one at a time, one fails", async () => {
    const shared = await createToken(b.repo, "shared", "7000B");
    const origins = [httpMultiaddr(a.gatewayUrl)];
    const { cid: first } = await apiA.add(seededBytes(5000, 21));
    const { cid: second } = await apiA.add(seededBytes(5000, 22));
    const posted = await Promise.all([first, second].map((cid) => pinningApi(b.pinningUrl, shared, "POST", "/pins", { cid: cid.toString(), origins })));
    const settled = await Promise.all(posted.map((p) => waitForStatus(b.pinningUrl, shared, p.json.requestid, ["pinned", "failed"])));
    assert.deepEqual(settled.map((s) => s.status).sort(), ["failed", "pinned"]);
    assert.match(settled.find((s) => s.status === "failed")?.info?.status_details ?? "", /^INSUFFICIENT_FUNDS: /);
  });

  it("answers the spec's filters, 404 for another token's or an unknown request, 400 for a bad Pin, replace and delete", async () => {
    const other = await createToken(b.repo, "other", "1MiB");
    const origins = [httpMultiaddr(a.gatewayUrl)];
    const { cid: one } = await apiA.add(text("one\n"));
    const { cid: two } = await apiA.add(text("two\n"));
    const first = await pinningApi(b.pinningUrl, other, "POST", "/pins", { cid: one.toString(), name: "Alpha Note", origins, meta: { app: "til" } });
    await waitForStatus(b.pinningUrl, other, first.json.requestid, ["pinned"]);
    const second = await pinningApi(b.pinningUrl, other, "POST", "/pins", { cid: two.toString(), name: "beta", origins: [] });
    // no origin, offline: B cannot find the block
    assert.equal((await waitForStatus(b.pinningUrl, other, second.json.requestid, ["pinned", "failed"])).status, "failed");

    const list = async (query: string) => (await pinningApi(b.pinningUrl, other, "GET", `/pins${query}`)).json;
    assert.deepEqual(
      (await list("")).results.map((r) => r.pin.name),
      ["Alpha Note"],
      "default: pinned only",
    );
    assert.equal((await list("?status=pinned,failed")).count, 2);
    assert.deepEqual(
      (await list("?status=pinned,failed&limit=1")).results.map((r) => r.pin.name),
      ["beta"],
      "newest first",
    );
    assert.equal((await list(`?cid=${one.toV1()}`)).count, 1, "a CIDv1 finds the CIDv0 pin");
    assert.equal((await list("?name=alpha&match=ipartial")).count, 1);
    assert.equal((await list("?name=alpha")).count, 0);
    assert.equal((await list(`?meta=${encodeURIComponent('{"app":"til"}')}`)).count, 1);
    assert.equal((await list(`?status=pinned,failed&before=${encodeURIComponent(second.json.created)}`)).count, 1);
    assert.equal((await list(`?status=pinned,failed&after=${encodeURIComponent(first.json.created)}`)).count, 1);
    for (const bad of ["?limit=0", "?limit=1001", "?status=gone", "?before=yesterday", "?meta=notjson"]) {
      const answer = await pinningApi(b.pinningUrl, other, "GET", `/pins${bad}`);
      assert.equal(answer.status, 400, bad);
      assert.equal(answer.json.error.reason, "BAD_REQUEST");
    }
    for (const body of [
      {},
      { cid: "not-a-cid" },
      { cid: one.toString(), name: "x".repeat(256) },
      { cid: one.toString(), origins: Array(21).fill("/ip4/1.2.3.4/tcp/1") },
    ]) {
      assert.equal((await pinningApi(b.pinningUrl, other, "POST", "/pins", body)).status, 400);
    }

    assert.equal((await pinningApi(b.pinningUrl, token, "GET", `/pins/${first.json.requestid}`)).status, 404, "another token's request");
    assert.equal((await pinningApi(b.pinningUrl, other, "GET", "/pins/%E0%A4%A")).status, 400, "bad percent-encoding");
    const unknown = await pinningApi(b.pinningUrl, other, "GET", "/pins/00000000-0000-0000-0000-000000000000");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.reason, "NOT_FOUND");

    // replace: a new request id; the old one is gone once the new one settles
    const replaced = await pinningApi(b.pinningUrl, other, "POST", `/pins/${first.json.requestid}`, { cid: two.toString(), origins });
    assert.equal(replaced.status, 202);
    assert.notEqual(replaced.json.requestid, first.json.requestid);
    await waitForStatus(b.pinningUrl, other, replaced.json.requestid, ["pinned"]);
    assert.equal((await pinningApi(b.pinningUrl, other, "GET", `/pins/${first.json.requestid}`)).status, 404);
    assert.equal(await pins(apiB, one), false, "the replaced CID is unpinned");

    assert.equal((await pinningApi(b.pinningUrl, other, "DELETE", `/pins/${replaced.json.requestid}`)).status, 202);
    assert.equal((await pinningApi(b.pinningUrl, other, "GET", `/pins/${replaced.json.requestid}`)).status, 404);
    assert.equal(await pins(apiB, two), false, "the deleted request's CID is unpinned");
  });
});

describe("a request replaced while it is pinning", () => {
  it("is hidden at once, and stopped and removed once its replacement is pinned: its CID is never pinned", async () => {
    const a = await startDaemonProcess(await makeTempRepo());
    const b = await startPinningDaemon(await makeTempRepo());
    const proxy = await holdingProxy(a.gatewayUrl);
    try {
      const token = await createToken(b.repo, "a", "10MiB");
      const apiA = create({ url: a.apiUrl });
      const { cid: slow } = await apiA.add(seededBytes(300_000, 5));
      const { cid: quick } = await apiA.add(text("the replacement\n"));
      const first = await pinningApi(b.pinningUrl, token, "POST", "/pins", { cid: slow.toString(), origins: [httpMultiaddr(proxy.url)] });
      await waitForStatus(b.pinningUrl, token, first.json.requestid, ["pinning"]);
      const second = await pinningApi(b.pinningUrl, token, "POST", `/pins/${first.json.requestid}`, {
        cid: quick.toString(),
        origins: [httpMultiaddr(a.gatewayUrl)],
      });
      await waitForStatus(b.pinningUrl, token, second.json.requestid, ["pinned"]);
      assert.equal((await pinningApi(b.pinningUrl, token, "GET", `/pins/${first.json.requestid}`)).status, 404);

      // its fetch is stopped: released now, the held block finds nobody waiting for it
      proxy.release();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const apiB = create({ url: b.apiUrl });
      assert.equal((await pinningApi(b.pinningUrl, token, "GET", "/pins?status=queued,pinning,pinned,failed")).json.count, 1);
      assert.equal(await pins(apiB, slow), false, "the replaced CID is not pinned");
      assert.equal((await collectAll(apiB.pin.ls({ paths: [quick] })))[0].type, "recursive");
    } finally {
      await tearDown([a, b], proxy);
    }
  });
});

describe("a pinning node killed mid-pin", () => {
  it("takes the request up again when restarted and finishes the pin", async () => {
    const a = await startDaemonProcess(await makeTempRepo());
    const repoB = await makeTempRepo();
    let b = await startPinningDaemon(repoB);
    const proxy = await holdingProxy(a.gatewayUrl);
    try {
      const token = await createToken(repoB, "a", "10MiB");
      const apiA = create({ url: a.apiUrl });
      const { cid } = await apiA.add(seededBytes(800_000, 11));
      const posted = await pinningApi(b.pinningUrl, token, "POST", "/pins", { cid: cid.toString(), origins: [httpMultiaddr(proxy.url)] });
      assert.equal(posted.status, 202);
      assert.equal(posted.json.status, "queued");
      await waitForStatus(b.pinningUrl, token, posted.json.requestid, ["pinning"]);
      while (proxy.seen === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      await b.kill();
      // a request file damaged outside the node does not keep it from starting
      await writeFile(path.join(repoB, "pinning", "requests", "00000000-0000-0000-0000-000000000000.json"), "{");

      b = await startPinningDaemon(repoB);
      proxy.release();
      const done = await waitForStatus(b.pinningUrl, token, posted.json.requestid, ["pinned", "failed"]);
      assert.equal(done.status, "pinned", JSON.stringify(done));
      assert.equal(done.created, posted.json.created);
      const apiB = create({ url: b.apiUrl });
      assert.deepEqual(await bytesOf(apiB.cat(CID.parse(cid.toString()))), await bytesOf(seededBytes(800_000, 11)));
    } finally {
      await tearDown([a, b], proxy);
    }
  });
});

describe("remote pinning between two IPFS peers", () => {
  it("B fetches over Bitswap from A's libp2p origin (no HTTP origin, no bootstrap peers, loopback)", async () => {
    const a = await startPeer(await makeTempRepo(), { host: "127.0.0.1" });
    const b = await startPeer(await makeTempRepo(), { host: "127.0.0.2", extraArgs: ["--pinning-api", "127.0.0.2:0"] });
    try {
      const match = /Pinning Service API listening on \/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(b.output());
      assert.ok(match, b.output());
      const pinningUrl = `http://${match[1]}:${match[2]}`;
      const token = await createToken(b.repo, "peer-a", "10MiB");
      const { cid } = await create({ url: a.apiUrl }).add(seededBytes(400_000, 31));
      assert.equal(((await b.rpc("swarm/peers")).json() as { Peers: unknown[] | null }).Peers?.length ?? 0, 0, "B starts knowing no peer");
      const posted = await pinningApi(pinningUrl, token, "POST", "/pins", { cid: cid.toString(), origins: [a.dialAddress] });
      const done = await waitForStatus(pinningUrl, token, posted.json.requestid, ["pinned", "failed"]);
      assert.equal(done.status, "pinned", JSON.stringify(done));
      assert.deepEqual(await bytesOf(create({ url: b.apiUrl }).cat(cid)), await bytesOf(seededBytes(400_000, 31)));
    } finally {
      await tearDown([a, b]);
    }
  });
});
