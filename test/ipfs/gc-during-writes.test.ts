/**
 * gc beside adds and pins, against a started daemon: gc takes no lock a client can hold, so a
 * client uploading at 1 byte/s delays neither gc nor anyone else's add; blocks of an add still in
 * flight survive a gc that runs meanwhile, and a pin racing gc either fails or points at a whole DAG.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { collectAll, seededBytes } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";

/** A multipart add sent by hand: `head` bytes at once, then one byte a second until `finish()`. */
function slowUpload(apiUrl: string, head: Uint8Array): { finish: () => Promise<string>; stop: () => void } {
  const { hostname, port } = new URL(apiUrl);
  const boundary = "slow-upload-boundary";
  const socket = net.connect(Number(port), hostname);
  socket.write(
    `POST /api/v0/add?pin=true HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nTransfer-Encoding: chunked\r\n\r\n`,
  );
  const chunk = (bytes: Uint8Array | string) => {
    const buffer = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes);
    socket.write(`${buffer.length.toString(16)}\r\n`);
    socket.write(buffer);
    socket.write("\r\n");
  };
  chunk(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  chunk(head);
  const trickle = setInterval(() => chunk("x"), 1000);
  let response = "";
  socket.on("data", (data) => (response += data));
  const ended = new Promise<void>((resolve) => socket.on("end", resolve));
  return {
    async finish() {
      clearInterval(trickle);
      chunk(`\r\n--${boundary}--\r\n`);
      socket.write("0\r\n\r\n");
      const deadline = Date.now() + 20_000;
      while (!/"Hash":"([^"]+)"/.test(response) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      socket.end();
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
      const hash = /"Hash":"([^"]+)"/.exec(response)?.[1];
      if (!hash) throw new Error(`the slow upload got no Hash: ${response}`);
      return hash;
    },
    stop() {
      clearInterval(trickle);
      socket.destroy();
    },
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

async function concat(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  return Buffer.concat(await collectAll(source));
}

describe("gc beside adds and pins", { timeout: 120_000 }, () => {
  const { daemon, api } = daemonForSuite();

  it("a client uploading at 1 byte/s delays neither gc nor another add, and its blocks survive the gc", async () => {
    // garbage for gc to remove: 2,000 unpinned blocks, written before the slow client started
    // (gc keeps blocks written from 2 s before the oldest add in flight)
    await api.add(seededBytes(2000 * 1024, 11), { chunker: "size-1024", pin: false });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    // the slow client has sent 600 KiB (two 256 KiB blocks written, not pinned yet), then trickles
    const head = Buffer.concat(await collectAll(seededBytes(600 * 1024, 12)));
    const slow = slowUpload(daemon.apiUrl, head);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const gc = timed(() => collectAll(api.repo.gc()));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const add = await timed(() => api.add(seededBytes(64 * 1024, 13)));
      assert.ok(add.ms < 2000, `an add took ${add.ms.toFixed(0)} ms while gc ran beside a slow upload`);
      const collected = await gc;
      assert.ok(collected.ms < 15_000, `gc took ${collected.ms.toFixed(0)} ms beside a slow upload`);
      assert.ok(collected.result.length >= 2000, `gc removed ${collected.result.length} blocks`);
      // the add made during gc is whole
      assert.equal((await concat(api.cat(add.result.cid))).length, 64 * 1024);
      // the slow upload ends after gc: its early blocks were kept, it pins a whole file
      const hash = await slow.finish();
      const bytes = await concat(api.cat(hash));
      assert.equal(bytes.length, head.length + Math.floor(bytes.length - head.length));
      assert.deepEqual(bytes.subarray(0, head.length), head);
      assert.ok((await collectAll(api.pin.ls({ paths: [hash] }))).length === 1);
    } finally {
      slow.stop();
    }
  });

  it("an add rewritten with another hash and block put --pin write and pin as one step: gc running over and over removes none of it", async () => {
    let gcRunning = true;
    let gcRuns = 0;
    const gcLoop = (async () => {
      while (gcRunning) {
        await collectAll(api.repo.gc());
        gcRuns++;
      }
    })();
    try {
      // 3,000 blocks imported with sha2-256, then rewritten with blake3 block by block, then pinned
      const content = Buffer.concat(await collectAll(seededBytes(3000 * 1024, 21)));
      const blocks = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`block put --pin #${i} during gc\n`));
      const [added, ...put] = await Promise.all([
        api.add(content, { chunker: "size-1024", hashAlg: "blake3" }),
        ...blocks.map(async (bytes, i) => {
          await new Promise((resolve) => setTimeout(resolve, i * 20));
          return api.block.put(bytes, { pin: true });
        }),
      ]);
      assert.ok(gcRuns > 0, "gc ran meanwhile");
      gcRunning = false;
      await gcLoop;
      await collectAll(api.repo.gc());
      assert.equal(added.cid.multihash.code, 0x1e, "the root is blake3");
      assert.deepEqual(await concat(api.cat(added.cid)), content);
      assert.equal((await collectAll(api.pin.ls({ paths: [added.cid] }))).length, 1);
      for (const [i, cid] of put.entries()) {
        assert.deepEqual(await api.block.get(cid), blocks[i]);
        assert.equal((await collectAll(api.pin.ls({ paths: [cid] }))).length, 1);
      }
    } finally {
      gcRunning = false;
      await gcLoop.catch(() => {});
    }
  });

  it("adds and pins racing gc leave no pin pointing at missing blocks", async () => {
    const unpinned = [];
    for (let i = 0; i < 6; i++) unpinned.push((await api.add(seededBytes(300 * 1024, 100 + i), { chunker: "size-4096", pin: false })).cid);
    const adds: Array<Promise<unknown>> = [];
    const pins: Array<Promise<unknown>> = [];
    const gcs: Array<Promise<unknown>> = [];
    for (let round = 0; round < 6; round++) {
      gcs.push(collectAll(api.repo.gc()));
      adds.push(api.add(seededBytes(200 * 1024, 200 + round), { chunker: "size-2048" }));
      pins.push(api.pin.add(unpinned[round]).catch((err: Error) => err));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await Promise.all([...adds, ...gcs]);
    const pinOutcomes = await Promise.all(pins);
    for (const outcome of pinOutcomes) if (outcome instanceof Error) assert.match(outcome.message, /not in this node's store|not found/i);
    await collectAll(api.repo.gc());
    for (const pin of await collectAll(api.pin.ls({ type: "recursive" }))) {
      // every block of every pinned DAG is here: the whole file reads back
      const read = await concat(api.cat(pin.cid)).catch((err: Error) => err);
      assert.ok(!(read instanceof Error), `pin ${pin.cid} points at missing blocks: ${(read as Error).message}`);
    }
  });
});
