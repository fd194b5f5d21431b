/**
 * The store's fetches from the network: a block is asked of the network once, whoever reads it.
 * A reader that looked for the block's file while another reader's fetch of it ended must take
 * the block that just arrived, not ask again: the peer that sent it drops a repeated want for
 * 5 s (Bitswap), and that reader's pin waited for the fetch timeout (seen in bench:network).
 *
 * A fetched block is written behind, and a pin is recorded only once the files of its blocks are
 * there: a block whose file could not be written fails the pin that walked it, even when the
 * write failed before the walk reached it, and is fetched again by the next reader.
 *
 * The network side is the store's BlockNetwork interface, served here from memory, so the
 * moment a fetch ends can be chosen; Swarm's own fetches are proven across processes in
 * test/network.
 */
import assert from "node:assert/strict";
import { symlink } from "node:fs/promises";
import path from "node:path";
import { after, describe, it } from "node:test";
import { base32upper } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { type BlockNetwork, IpfsStore } from "../../ipfs-node/store.ts";
import { makeTempRepo, removeRepo } from "./daemon-process.ts";

/** A network holding one block: the first fetch ends when `release` is called; every fetch is counted. */
function heldNetwork(store: IpfsStore, cid: CID, bytes: Uint8Array) {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const network = {
    fetches: 0,
    release,
    async fetchBlock(wanted: CID, signal?: AbortSignal): Promise<Uint8Array> {
      assert.ok(wanted.equals(cid), `asked for ${wanted}, which this network does not hold`);
      network.fetches++;
      // a second ask is what a peer that just sent the block ignores: it never answers
      if (network.fetches > 1) return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("no answer to a repeated want"))));
      await released;
      // as Swarm.fetchBlock does: stored (written behind) before the fetch resolves
      void store.putFetchedBlock(cid, bytes);
      return bytes;
    },
    pinned() {},
  } satisfies BlockNetwork & Record<string, unknown>;
  return network;
}

describe("store fetches", () => {
  const repos: string[] = [];
  after(async () => {
    for (const repo of repos) await removeRepo(repo);
  });

  it("a reader that missed the block's file while another reader's fetch of it ended takes that block, without asking the network again", async () => {
    const repo = await makeTempRepo();
    repos.push(repo);
    const store = await IpfsStore.open(repo);
    try {
      const bytes = new TextEncoder().encode("a block two pins of one mirror both need");
      const cid = CID.create(1, raw.code, await sha256.digest(bytes));
      const network = heldNetwork(store, cid, bytes);
      store.attachNetwork(network);

      const first = store.getBlock(cid);
      // let the first reader's file lookup fail and its fetch start
      while (network.fetches === 0) await new Promise((resolve) => setImmediate(resolve));
      // the second reader looks for the file now; the fetch ends before that lookup answers
      const second = store.getBlock(cid, { signal: AbortSignal.timeout(5_000) });
      network.release();

      assert.deepEqual(await first, bytes);
      assert.deepEqual(await second, bytes);
      assert.equal(network.fetches, 1, "the block was asked of the network again after it arrived");
    } finally {
      await store.close();
    }
  });

  it("a pin whose fetched block could not be written fails with the write's error, is not recorded, and the block is fetched again", async () => {
    const repo = await makeTempRepo();
    repos.push(repo);
    const store = await IpfsStore.open(repo);
    try {
      const bytes = new TextEncoder().encode("a block whose file cannot be written");
      const cid = CID.create(1, raw.code, await sha256.digest(bytes));
      // the block's folder (blockstore-fs's layout: the name's last two characters) is a link to
      // nowhere: looking for the file finds none, and writing it fails, as on a full or failing disk
      const folder = path.join(repo, "blocks", base32upper.encode(cid.multihash.bytes).slice(-2));
      await symlink(path.join(repo, "no-such-folder", "deeper"), folder);
      let fetches = 0;
      const announced: CID[] = [];
      store.attachNetwork({
        async fetchBlock(wanted: CID): Promise<Uint8Array> {
          assert.ok(wanted.equals(cid));
          fetches++;
          // the write has failed before the fetch answers (and before the pin's walk reaches the block)
          await store.putFetchedBlock(cid, bytes).catch(() => {});
          return bytes;
        },
        pinned: (root: CID) => void announced.push(root),
      });

      await assert.rejects(
        store.pin(cid, true),
        /was not pinned: a block of it fetched from the network could not be written to the repo \(E(EXIST|NOENT|NOTDIR)/,
      );
      assert.equal(await store.pinStatus(cid), undefined, "no pin recorded for a block that is not on disk");
      assert.deepEqual(announced, [], "nothing announced");
      await assert.rejects(
        store.pin(cid, true),
        /was not pinned: a block of it fetched from the network could not be written to the repo \(E(EXIST|NOENT|NOTDIR)/,
        "a second pin fails too, not served from memory",
      );
      assert.equal(fetches, 2, "the second pin fetched the block again (its write tried again)");
    } finally {
      await store.close();
    }
  });
});
