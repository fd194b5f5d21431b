/**
 * Remote pinning from the writer's side, against a local stack (Hardhat node, Ignition deployment,
 * the stack's IPFS node) and a second node B serving the Pinning Service API: `til publish` asks B
 * to pin each minted entry and reports it in the summary, a re-run continues without a second
 * request, `til verify --remote` reports each entry's status; then `til mirror` pins an author's
 * entries on a third node C, which fetches them over the network from the stack's trustless gateway
 * (C has no public bootstrap peers), skips them on a second run, and `--watch` follows new ones;
 * an entry whose content no node serves any more is named, and the others pinned.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { create } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { collectAll, makeTempRepo, removeRepo, startDaemonProcess, type DaemonProcess } from "../ipfs/daemon-process.ts";
import { runTil, spawnTil, startStack, type Stack } from "../support/local-stack.ts";
import { createToken, pinningApi, type PinningDaemon, startPinningDaemon } from "./pinning-daemons.ts";

/** Hardhat's first development account: the stack's default author. */
const AUTHOR = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

describe("remote pinning while publishing, and til mirror", () => {
  let work: string;
  let stack: Stack;
  let b: PinningDaemon;
  let token: string;
  const notes: string[] = [];
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), "til-remote-pin-"));
    stack = await startStack(path.join(work, "home"));
    b = await startPinningDaemon(await makeTempRepo());
    token = await createToken(b.repo, "writer", "50MiB");
    for (const [i, title] of ["Remote one", "Remote two", "Remote three", "Remote four"].entries()) {
      const file = path.join(work, `note-${i}.md`);
      await writeFile(file, `# ${title}\n\nPinned on a friend's node, number ${i}.\n`);
      notes.push(file);
    }
  });
  after(async () => {
    await b?.stop();
    await stack?.stop();
    if (b) await removeRepo(b.repo);
    await rm(work, { recursive: true, force: true });
  });

  const pinsOnB = async (query: string) => (await pinningApi(b.pinningUrl, token, "GET", `/pins?status=queued,pinning,pinned,failed${query}`)).json;

  it("publish asks the node's service to pin each new entry after minting and reports pinned per service", async () => {
    const added = await runTil(["ipfs", "pin", "remote", "service", "add", "friend", b.pinningUrl, token], stack.env);
    assert.equal(added.code, 0, added.stderr);
    const listed = await runTil(["ipfs", "pin", "remote", "service", "ls"], stack.env);
    assert.ok(listed.stdout.includes("friend") && !listed.stdout.includes(token), "service ls names the service, never the key");

    const run = await runTil(["publish", notes[0], notes[1]], stack.env);
    assert.equal(run.code, 0, run.stderr);
    const summary = run.summary();
    assert.equal(summary.published, 2);
    assert.deepEqual(summary.remotePins, { friend: { queued: 0, pinning: 0, pinned: 2, failed: 0, none: 0 } });
    const onB = await pinsOnB("");
    assert.equal(onB.count, 2);
    assert.deepEqual(onB.results.map((r) => [r.status, r.pin.name]).sort(), [
      ["pinned", "Remote one"],
      ["pinned", "Remote two"],
    ]);
    // B holds the blocks itself
    const apiB = create({ url: b.apiUrl });
    for (const r of onB.results) assert.equal((await collectAll(apiB.pin.ls({ paths: [CID.parse(r.pin.cid)] })))[0].type, "recursive");
  });

  it("a run that does not wait reports the new entry queued; the next run waits for it without a second request", async () => {
    const quick = await runTil(["publish", "--remote-pin-timeout", "0", notes[2]], stack.env);
    assert.equal(quick.code, 0, quick.stderr);
    assert.deepEqual(quick.summary().remotePins, { friend: { queued: 1, pinning: 0, pinned: 2, failed: 0, none: 0 } });

    const again = await runTil(["publish", notes[2]], stack.env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.summary().alreadyPublished, 1);
    assert.deepEqual(again.summary().remotePins, { friend: { queued: 0, pinning: 0, pinned: 3, failed: 0, none: 0 } });
    assert.equal((await pinsOnB("")).count, 3, "one request per entry, never two");
  });

  it("verify --remote reports each entry's status on each service", async () => {
    const run = await runTil(["verify", "--remote"], stack.env);
    assert.equal(run.code, 0, run.stderr);
    const remote = run.summary().remote as {
      services: Record<string, Record<string, number>>;
      entries: Array<{ cid: string; status: Record<string, string> }>;
    };
    assert.deepEqual(remote.services, { friend: { queued: 0, pinning: 0, pinned: 3, failed: 0, none: 0 } });
    assert.equal(remote.entries.length, 3);
    for (const entry of remote.entries) assert.deepEqual(entry.status, { friend: "pinned" });
  });

  describe("til mirror", () => {
    let c: DaemonProcess;
    before(async () => {
      // online (the DHT in its default mode), but its only source is the stack's trustless gateway: no bootstrap peers, loopback only
      c = await startDaemonProcess(await makeTempRepo(), [
        "--bootstrap",
        "none",
        "--swarm",
        "/ip4/127.0.0.1/tcp/0",
        "--fetch-timeout",
        "20s",
        "--trustless-gateways",
        stack.gatewayUrl,
      ]);
    });
    after(async () => {
      await c?.stop();
      if (c) await removeRepo(c.repo);
    });
    const onC = () => ({ ...stack.env, TIL_IPFS_API: new URL(c.apiUrl).host });

    it("pins every entry of the author on another node, fetched from the network, and skips them when run again", async () => {
      const run = await runTil(["mirror", "--author", AUTHOR], onC());
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual({ ...run.summary(), seconds: 0 }, { entries: 3, pinned: 3, alreadyPinned: 0, failed: 0, seconds: 0 });
      const apiC = create({ url: c.apiUrl });
      const pinned = await collectAll(apiC.pin.ls({ type: "recursive" }));
      assert.equal(pinned.length, 3);

      const again = await runTil(["mirror", "--author", AUTHOR], onC());
      assert.deepEqual({ ...again.summary(), seconds: 0 }, { entries: 3, pinned: 0, alreadyPinned: 3, failed: 0, seconds: 0 });
      const nobody = await runTil(["mirror", "--author", "0x000000000000000000000000000000000000dEaD"], onC());
      assert.deepEqual({ ...nobody.summary(), seconds: 0 }, { entries: 0, pinned: 0, alreadyPinned: 0, failed: 0, seconds: 0 });
      assert.equal((await runTil(["mirror"], onC())).code, 2, "--author or --all is required");
    });

    it("--watch pins an entry published after it started", async () => {
      const watcher = spawnTil(["mirror", "--all", "--watch", "--interval", "1"], onC());
      try {
        const published = await runTil(["publish", "--remote-pin-timeout", "0", notes[3]], stack.env);
        assert.equal(published.code, 0, published.stderr);
        const apiC = create({ url: c.apiUrl });
        const deadline = Date.now() + 60_000;
        while ((await collectAll(apiC.pin.ls({ type: "recursive" }))).length < 4) {
          if (Date.now() > deadline) throw new Error(`the watcher did not pin the new entry:\n${watcher.stderrText()}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        watcher.kill("SIGINT");
        await new Promise((resolve) => watcher.once("exit", resolve));
      }
    });

    it("names an entry whose content nobody serves, pins the others asked in the same request, and exits 1", async () => {
      const file = path.join(work, "note-gone.md");
      await writeFile(file, "# Gone\n\nMinted, then its content removed from every node.\n");
      const apiStack = create({ url: stack.apiUrl });
      const rootsOnStack = async () => (await collectAll(apiStack.pin.ls({ type: "recursive" }))).map((pin) => pin.cid.toString());
      const before = await rootsOnStack();
      const published = await runTil(["publish", "--remote-pin-timeout", "0", file], stack.env);
      assert.equal(published.code, 0, published.stderr);
      const [gone] = (await rootsOnStack()).filter((root) => !before.includes(root));
      await apiStack.pin.rm(CID.parse(gone));
      await collectAll(apiStack.repo.gc());

      const d = await startDaemonProcess(await makeTempRepo(), [
        "--bootstrap",
        "none",
        "--swarm",
        "/ip4/127.0.0.1/tcp/0",
        "--fetch-timeout",
        "2s",
        "--trustless-gateways",
        stack.gatewayUrl,
      ]);
      try {
        const run = await runTil(["mirror", "--all"], { ...stack.env, TIL_IPFS_API: new URL(d.apiUrl).host });
        assert.equal(run.code, 1, run.stderr);
        assert.deepEqual({ ...run.summary(), seconds: 0 }, { entries: 5, pinned: 4, alreadyPinned: 0, failed: 1, seconds: 0 });
        assert.match(run.stderr, new RegExp(`failed: ${CID.parse(gone).toV1()}`));
        const pinnedOnD = await collectAll(create({ url: d.apiUrl }).pin.ls({ type: "recursive" }));
        assert.equal(pinnedOnD.length, 4);
      } finally {
        await d.stop();
        await removeRepo(d.repo);
      }
    });
  });
});
