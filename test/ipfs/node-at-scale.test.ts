/**
 * The node at real size: memory that does not grow with the number of blocks in an add, a pin walk
 * or a gc, against started daemons with the heap limit `npm run til` gives them. Measured as the
 * daemon's peak resident memory (VmHWM) for files of 20,000 and 100,000 1 KiB chunks, each added
 * to a fresh daemon (the node this replaces kept ~1.5 KB per block and ran out of heap).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { create } from "kubo-rpc-client";
import { collectAll, makeTempRepo, removeRepo, seededBytes, startDaemonProcess, type DaemonProcess } from "./daemon-process.ts";

/** A /proc/<pid>/status figure, in MB. */
function procStatusMb(pid: number, field: "VmHWM" | "VmRSS"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

const SMALL_BLOCKS = 20_000;
const LARGE_BLOCKS = 100_000;
/** What 80,000 more blocks may add to the daemon's peak memory (the old node: ~120 MB). */
const GROWTH_LIMIT_MB = 40;

describe("the node at real size", { timeout: 180_000 }, () => {
  const repos: string[] = [];
  let large: { daemon: DaemonProcess; file: string } | undefined;

  after(async () => {
    await large?.daemon.stop();
    for (const repo of repos) await removeRepo(repo);
  });

  async function peakAfterAdd(blocks: number): Promise<{ daemon: DaemonProcess; file: string; peakMb: number }> {
    const repo = await makeTempRepo();
    repos.push(repo);
    const daemon = await startDaemonProcess(repo);
    const { cid } = await create({ url: daemon.apiUrl }).add(seededBytes(blocks * 1024, blocks), { chunker: "size-1024" });
    return { daemon, file: cid.toString(), peakMb: procStatusMb(daemon.child.pid as number, "VmHWM") };
  }

  it("an add's memory does not grow with its number of blocks (20,000 vs 100,000 1 KiB chunks)", async (t) => {
    const small = await peakAfterAdd(SMALL_BLOCKS);
    await small.daemon.stop();
    const big = await peakAfterAdd(LARGE_BLOCKS);
    large = big;
    const pins = (await collectAll(create({ url: big.daemon.apiUrl }).pin.ls({ type: "recursive" }))).map((pin) => pin.cid.toString());
    assert.deepEqual(pins, [big.file], "the add is pinned");
    t.diagnostic(`peak RSS: ${small.peakMb.toFixed(0)} MB adding ${SMALL_BLOCKS} blocks, ${big.peakMb.toFixed(0)} MB adding ${LARGE_BLOCKS}`);
    assert.ok(
      big.peakMb - small.peakMb < GROWTH_LIMIT_MB,
      `peak memory ${small.peakMb.toFixed(0)} MB for a ${SMALL_BLOCKS}-block add, ${big.peakMb.toFixed(0)} MB for ${LARGE_BLOCKS} blocks`,
    );
  });

  it("gc's memory does not grow with the number of blocks it keeps or removes", async (t) => {
    assert.ok(large, "the 100,000-block add ran");
    const api = create({ url: large.daemon.apiUrl });
    const pid = large.daemon.child.pid as number;
    const before = procStatusMb(pid, "VmHWM");
    // mark ~100,600 pinned blocks and keep them all, then unpin and remove them all
    assert.equal((await collectAll(api.repo.gc())).length, 0);
    const afterMark = procStatusMb(pid, "VmHWM");
    await api.pin.rm(large.file);
    const removed = await collectAll(api.repo.gc());
    assert.ok(removed.length > LARGE_BLOCKS, `gc removed ${removed.length} blocks`);
    const afterSweep = procStatusMb(pid, "VmHWM");
    t.diagnostic(
      `peak RSS ${before.toFixed(0)} MB before gc, ${afterMark.toFixed(0)} MB after marking ~${LARGE_BLOCKS} blocks, ${afterSweep.toFixed(0)} MB after removing ${removed.length}`,
    );
    assert.ok(
      afterSweep - before < GROWTH_LIMIT_MB,
      `peak memory grew ${(afterSweep - before).toFixed(1)} MB over two gcs of ~${LARGE_BLOCKS} blocks (from ${before.toFixed(0)} MB)`,
    );
    assert.equal(Number((await api.repo.stat()).numObjects), 0);
  });
});
