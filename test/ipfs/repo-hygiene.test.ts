/**
 * What a node finds in its repo at start, against a started daemon: temporary files of writes that
 * never finished (a full disk, a crash) are removed, and a repo lock whose process id now belongs
 * to another process (the node died, the id was reused) does not keep the node from starting,
 * while a live node's lock still does.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { create } from "kubo-rpc-client";
import { collectAll, makeTempRepo, removeRepo, startDaemonProcess } from "./daemon-process.ts";

/** A live process that is not an IPFS node, as a reused process id would be. */
async function withStranger<T>(work: (pid: number) => Promise<T>): Promise<T> {
  const stranger = spawn("sleep", ["60"], { stdio: "ignore" });
  try {
    return await work(stranger.pid as number);
  } finally {
    stranger.kill();
  }
}

describe("repo hygiene at start", { timeout: 60_000 }, () => {
  for (const format of ["a process id alone (older nodes)", "process id, start time and boot"]) {
    it(`starts over a stale lock whose process id is another live process's: ${format}`, async () => {
      const repo = await makeTempRepo();
      try {
        await withStranger(async (pid) => {
          const boot = (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
          const lock = format.startsWith("a process") ? String(pid) : JSON.stringify({ pid, started: "1", boot });
          await writeFile(path.join(repo, "repo.lock"), lock);
          const daemon = await startDaemonProcess(repo);
          try {
            const { cid } = await create({ url: daemon.apiUrl }).add(new TextEncoder().encode("after a stale lock\n"));
            assert.ok(cid);
            const held = JSON.parse(await readFile(path.join(repo, "repo.lock"), "utf8"));
            assert.equal(held.pid, daemon.child.pid);
            // a live node's lock still keeps a second node out
            await assert.rejects(startDaemonProcess(repo), /in use by process/);
          } finally {
            await daemon.stop();
          }
        });
      } finally {
        await removeRepo(repo);
      }
    });
  }

  it("removes temporary files of unfinished block and datastore writes", async () => {
    const repo = await makeTempRepo();
    try {
      const first = await startDaemonProcess(repo);
      const { cid } = await create({ url: first.apiUrl }).add(new TextEncoder().encode("kept\n"));
      await first.stop();
      // what a full disk leaves: blockstore-fs's and this node's temporary names, and datastore-fs's
      await mkdir(path.join(repo, "blocks", "QQ"), { recursive: true });
      await writeFile(path.join(repo, "blocks", "QQ", ".CIQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQQ.data.tmp"), "half a block");
      await writeFile(path.join(repo, "blocks", "QQ", ".CIQBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBQQ.data.1234-7.tmp"), "half a block");
      await writeFile(path.join(repo, "datastore", ".pin-record.tmp"), "half a record");
      const second = await startDaemonProcess(repo);
      try {
        const left = [
          ...(await readdir(path.join(repo, "blocks"), { recursive: true })),
          ...(await readdir(path.join(repo, "datastore"), { recursive: true })),
        ];
        assert.deepEqual(
          left.filter((name) => name.endsWith(".tmp")),
          [],
        );
        const bytes = Buffer.concat(await collectAll(create({ url: second.apiUrl }).cat(cid)));
        assert.equal(bytes.toString(), "kept\n");
      } finally {
        await second.stop();
      }
    } finally {
      await removeRepo(repo);
    }
  });
});
