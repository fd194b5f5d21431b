/**
 * What the node keeps: pins and blocks survive a restart; a node killed with SIGKILL in the middle
 * of an add restarts with a usable store and no pin pointing at missing blocks; unpinned blocks
 * go away only on gc; one repo serves one node at a time; SIGINT/SIGTERM stop it cleanly.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { after, describe, it } from "node:test";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { collectAll, makeTempRepo, removeRepo, seededBytes, startDaemonProcess } from "./daemon-process.ts";

const text = (value: string) => new TextEncoder().encode(value);
const repos: string[] = [];

async function newRepo(): Promise<string> {
  const repo = await makeTempRepo();
  repos.push(repo);
  return repo;
}

/** Every recursive pin's whole DAG can be read back. */
async function assertPinsComplete(api: KuboRPCClient, apiUrl: string): Promise<number> {
  const pins = await collectAll(api.pin.ls({ type: "recursive" }));
  for (const pin of pins) {
    const response = await fetch(`${apiUrl}/api/v0/dag/stat?arg=${pin.cid}`, { method: "POST" });
    assert.equal(response.status, 200, `pin ${pin.cid} points at missing blocks: ${await response.text()}`);
  }
  return pins.length;
}

/** Start a streamed add of `size` bytes and return when `sentBytes` have gone out. */
function startSlowAdd(apiUrl: string, size: number, sentBytes: number): Promise<void> {
  const { hostname, port } = new URL(apiUrl);
  return new Promise((resolve) => {
    const req = http.request({
      hostname,
      port,
      method: "POST",
      path: "/api/v0/add?pin=true",
      headers: { "Content-Type": "multipart/form-data; boundary=KiLl" },
    });
    req.on("error", () => {});
    req.write('--KiLl\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n');
    let sent = 0;
    let announced = false;
    (async () => {
      for await (const piece of seededBytes(size, 99)) {
        if (!req.write(piece)) await new Promise((drained) => req.once("drain", drained));
        sent += piece.length;
        if (!announced && sent >= sentBytes) {
          announced = true;
          await new Promise((settle) => setTimeout(settle, 150));
          resolve();
        }
        if (req.destroyed) return;
      }
      req.end("\r\n--KiLl--\r\n");
    })().catch(() => {});
  });
}

/** Wait until the repo holds at least `count` block files (the killed add has written some). */
async function waitForBlockFiles(repo: string, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const entries = await readdir(path.join(repo, "blocks"), { recursive: true }).catch(() => [] as string[]);
    if (entries.filter((entry) => entry.endsWith(".data")).length >= count) return;
    await new Promise((settle) => setTimeout(settle, 20));
  }
  throw new Error(`the add never wrote ${count} blocks to ${repo}`);
}

after(async () => {
  for (const repo of repos) await removeRepo(repo);
});

describe("data survives restarts", () => {
  it("pins and blocks survive a clean restart; unpinned blocks go only on gc", async () => {
    const repo = await newRepo();
    let daemon = await startDaemonProcess(repo);
    let api = create({ url: daemon.apiUrl });
    const pinned = await api.add(seededBytes(900_000, 1));
    const unpinned = await api.add(text("kept until gc\n"), { pin: false });
    const dir = (await collectAll(api.addAll([{ path: "entry/index.md", content: text("# note\n") }]))).at(-1)!.cid;
    assert.equal(await daemon.stop(), 0, "SIGTERM stops the node with exit code 0");
    assert.match(daemon.output(), /Received SIGTERM, shutting down/);

    daemon = await startDaemonProcess(repo);
    api = create({ url: daemon.apiUrl });
    const pins = (await collectAll(api.pin.ls({ type: "recursive" }))).map((pin) => pin.cid.toString());
    assert.ok(pins.includes(pinned.cid.toString()));
    assert.ok(pins.includes(dir.toString()));
    const whole = Buffer.concat(await collectAll(seededBytes(900_000, 1)));
    assert.ok(Buffer.concat(await collectAll(api.cat(pinned.cid))).equals(whole));
    assert.equal((await api.block.stat(unpinned.cid)).size, 22, "an unpinned block stays until gc");
    await collectAll(api.repo.gc());
    await assert.rejects(api.block.stat(unpinned.cid), /not in this node's store/);
    assert.ok(Buffer.concat(await collectAll(api.cat(`/ipfs/${dir}/index.md`))).equals(Buffer.from("# note\n")));
    daemon.child.kill("SIGINT");
    assert.equal(await new Promise((resolve) => daemon.child.once("exit", resolve)), 0, "SIGINT stops the node with exit code 0");
  });

  for (const killAfterBytes of [3 * 1024 * 1024, 20 * 1024 * 1024]) {
    it(`SIGKILL in the middle of an add (after ${killAfterBytes >> 20} MiB) leaves a usable store`, async () => {
      const repo = await newRepo();
      let daemon = await startDaemonProcess(repo);
      let api = create({ url: daemon.apiUrl });
      const before = await api.add(seededBytes(700_000, 2));
      await startSlowAdd(daemon.apiUrl, 48 * 1024 * 1024, killAfterBytes);
      await waitForBlockFiles(repo, 5);
      await daemon.kill();

      daemon = await startDaemonProcess(repo);
      api = create({ url: daemon.apiUrl });
      assert.equal(await assertPinsComplete(api, daemon.apiUrl), 1, "only the completed add is pinned");
      const stat = await api.repo.stat();
      assert.ok(stat.numObjects > 4n, "blocks written by the killed add are on disk, unpinned");
      const removed = await collectAll(api.repo.gc());
      assert.ok(removed.length > 0, "gc removes what the killed add left");
      assert.ok(Buffer.concat(await collectAll(api.cat(before.cid))).equals(Buffer.concat(await collectAll(seededBytes(700_000, 2)))));
      const again = await api.add(seededBytes(5 * 1024 * 1024, 99));
      assert.equal(Buffer.concat(await collectAll(api.cat(again.cid, { offset: 5 * 1024 * 1024 - 4 }))).length, 4);
      assert.equal(await assertPinsComplete(api, daemon.apiUrl), 2);
      await daemon.stop();
    });
  }

  it("refuses a second node on the same repo, with a clear message", async () => {
    const repo = await newRepo();
    const first = await startDaemonProcess(repo);
    await assert.rejects(startDaemonProcess(repo), /is in use by process \d+/);
    await first.stop();
  });
});

describe("til CLI", () => {
  it("answers --help at each level and rejects unknown commands", async () => {
    const { execFile } = await import("node:child_process");
    const run = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(process.execPath, ["scripts/til.ts", ...args], { cwd: new URL("../..", import.meta.url) }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        ),
      );
    const top = await run(["--help"]);
    assert.equal(top.code, 0);
    assert.match(top.out, /ipfs\s+the embedded IPFS node/);
    const daemonHelp = await run(["ipfs", "daemon", "--help"]);
    assert.equal(daemonHelp.code, 0);
    assert.match(daemonHelp.out, /--gateway <value>/);
    assert.match(daemonHelp.out, /TIL_IPFS_API/);
    const unknown = await run(["ipfs", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /unknown command "ipfs nope"/);
    const badAddress = await run(["ipfs", "daemon", "--api", "localhost"]);
    assert.equal(badAddress.code, 2, "a malformed setting is a usage error");
    assert.match(badAddress.out, /not HOST:PORT/);
  });
});
