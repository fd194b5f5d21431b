/**
 * Readers that stop reading, against a started daemon: a gateway GET or an RPC `cat` of a large file
 * whose client takes the headers and then reads nothing holds a few blocks in the node, not the
 * file (the exporter's reader walked the whole DAG into an unbounded queue: 16 such clients of a
 * 32 MiB file made the node hold ~500 MB).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { before, describe, it } from "node:test";
import { seededBytes } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";

const FILE_BYTES = 32 * 1024 * 1024;
const READERS = 8;
const GROWTH_LIMIT_MB = 100;

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
}

/** Send a request, wait for the status line, then stop reading (the socket is paused). */
function stalledReader(url: string, method: "GET" | "POST", path: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () =>
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Length: 0\r\n\r\n`),
    );
    socket.setNoDelay(true);
    socket.once("data", (chunk) => {
      socket.pause();
      if (!String(chunk).startsWith("HTTP/1.1 200")) reject(new Error(String(chunk).slice(0, 200)));
      else resolve(socket);
    });
    socket.once("error", reject);
  });
}

describe("readers that stop reading", { timeout: 90_000 }, () => {
  const { daemon, api } = daemonForSuite();
  let file: string;

  before(async () => {
    file = (await api.add(seededBytes(FILE_BYTES, 31))).cid.toString();
  });

  it(`${READERS} stalled gateway GETs and ${READERS} stalled cats of a 32 MiB file hold a few blocks each`, async (t) => {
    const pid = daemon.child.pid as number;
    const before = rssMb(pid);
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < READERS; i++) {
        sockets.push(await stalledReader(daemon.gatewayUrl, "GET", `/ipfs/${file}`));
        sockets.push(await stalledReader(daemon.apiUrl, "POST", `/api/v0/cat?arg=${file}`));
      }
      // give a reader that does not wait for its client the time to read the whole file
      let peak = before;
      for (let i = 0; i < 30; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        peak = Math.max(peak, rssMb(pid));
      }
      t.diagnostic(`daemon RSS ${before.toFixed(0)} MB before, at most ${peak.toFixed(0)} MB with ${sockets.length} stalled readers of a 32 MiB file`);
      assert.ok(peak - before < GROWTH_LIMIT_MB, `RSS grew ${(peak - before).toFixed(0)} MB with ${sockets.length} stalled readers`);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    // the node still answers at once
    const response = await fetch(`${daemon.gatewayUrl}/ipfs/${file}`, { headers: { Range: "bytes=0-15" } });
    assert.equal(response.status, 206);
    assert.equal((await response.arrayBuffer()).byteLength, 16);
  });
});
