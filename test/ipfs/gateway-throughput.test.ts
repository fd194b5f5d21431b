/**
 * Gateway throughput for files of several blocks, against a started daemon and a plain Node server
 * serving the same bytes from memory, measured in turns on the same machine: blocks are sent as
 * they are (no copies), hot ones from a cache, without resolving the DAG again per request.
 * `npm run bench:ipfs` holds the goal (at least half the plain server's requests/s); this test
 * allows for a shared machine and checks a third.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { collectAll, seededBytes } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";
import { loadTest, startPlainServer } from "./http-load.ts";

const CONCURRENCY = 64;
const ROUNDS = 3;

describe("gateway throughput", { timeout: 90_000 }, () => {
  const { daemon, api } = daemonForSuite();

  for (const [label, size] of [
    ["256 KiB", 256 * 1024],
    ["1 MiB", 1024 * 1024],
  ] as const) {
    it(`serves a ${label} file at least a third as fast as a plain Node server`, async (t) => {
      const bytes = Buffer.concat(await collectAll(seededBytes(size, size)));
      const { cid } = await api.add(bytes);
      const url = `${daemon.gatewayUrl}/ipfs/${cid}`;
      const plain = await startPlainServer(bytes, path.join(daemon.repo, `plain-${size}.bin`));
      try {
        await loadTest(url, CONCURRENCY, 0.5, size);
        await loadTest(plain.url, CONCURRENCY, 0.5, size);
        let gateway = 0;
        let floor = 0;
        for (let round = 0; round < ROUNDS; round++) {
          gateway = Math.max(gateway, await loadTest(url, CONCURRENCY, 1, size));
          floor = Math.max(floor, await loadTest(plain.url, CONCURRENCY, 1, size));
        }
        t.diagnostic(`${label}: gateway ${gateway.toFixed(0)} req/s, plain server ${floor.toFixed(0)} req/s (x${(gateway / floor).toFixed(2)})`);
        assert.ok(gateway >= floor / 3, `gateway ${gateway.toFixed(0)} req/s, plain server ${floor.toFixed(0)} req/s`);
      } finally {
        plain.stop();
      }
    });
  }
});
