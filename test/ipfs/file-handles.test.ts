/**
 * File handles, against a started daemon: a read the client abandons (a gateway GET or an RPC
 * `cat` aborted after its first bytes) releases its block files at once, not when the garbage
 * collector finds them, so a node limited to 1,024 open files keeps serving well-behaved clients
 * beside abusive ones.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { before, describe, it } from "node:test";
import { seededBytes } from "./daemon-process.ts";
import { daemonForSuite } from "./daemon-suite.ts";

const ABORTED_READS = 50;

/** Paths of the files the process holds open (not sockets or pipes). */
function openFilePaths(pid: number): string[] {
  const files: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith("/")) files.push(target);
    } catch {}
  }
  return files;
}

function openFiles(pid: number): number {
  return openFilePaths(pid).length;
}

/** GET or POST `url`, take the first bytes of the body, then abort. */
async function abortAfterFirstBytes(url: string, method: "GET" | "POST"): Promise<void> {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { method, signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
  } finally {
    controller.abort();
  }
}

async function settle(pid: number, ceiling: number): Promise<number> {
  // closing takes a moment (the reads in flight finish first), never a garbage collection
  const deadline = Date.now() + 500;
  let count = openFiles(pid);
  while (count > ceiling && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    count = openFiles(pid);
  }
  return count;
}

describe("file handles", { timeout: 120_000 }, () => {
  const { daemon, api } = daemonForSuite();
  let pid: number;
  let bigFile: string;

  before(async () => {
    pid = daemon.child.pid as number;
    // 8 MiB of 1 KiB chunks: nodes of 174 links, whose children a reader may fetch at once
    bigFile = (await api.add(seededBytes(8 * 1024 * 1024, 21), { chunker: "size-1024" })).cid.toString();
  });

  it(`${ABORTED_READS} aborted gateway GETs and ${ABORTED_READS} aborted cats, ten at a time, hold few files and leave none open`, async (t) => {
    const before = openFiles(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, openFiles(pid))), 10);
    try {
      for (const [url, method] of [
        [`${daemon.gatewayUrl}/ipfs/${bigFile}`, "GET"],
        [`${daemon.apiUrl}/api/v0/cat?arg=${bigFile}`, "POST"],
      ] as const) {
        for (let i = 0; i < ABORTED_READS; i += 10) await Promise.all(Array.from({ length: 10 }, () => abortAfterFirstBytes(url, method)));
      }
    } finally {
      clearInterval(sampler);
    }
    const afterReads = await settle(pid, before + 4);
    t.diagnostic(`open files before ${before}, at most ${peak} during ${ABORTED_READS * 2} aborted reads, ${afterReads} after`);
    assert.ok(peak <= before + 100, `${peak - before} more files open at once during the aborted reads (${before} before)`);
    const blockFiles = openFilePaths(pid).filter((file) => file.includes("/blocks/"));
    assert.ok(
      afterReads <= before + 4 && blockFiles.length === 0,
      `${afterReads - before} more files open after the aborted reads (${before} before): ${blockFiles.join(", ")}`,
    );
  });

  it("with 1,024 open files allowed, well-behaved clients are served beside abusive ones", async () => {
    execFileSync("prlimit", [`--pid=${pid}`, "--nofile=1024:1024"]);
    const small = (await api.add(new TextEncoder().encode("a small entry\n"))).cid.toString();
    const image = (await api.add(seededBytes(2 * 1024 * 1024, 22))).cid.toString();
    let abusing = true;
    const abusers = Array.from({ length: 8 }, async () => {
      while (abusing) {
        await abortAfterFirstBytes(`${daemon.gatewayUrl}/ipfs/${bigFile}`, "GET").catch(() => {});
        await abortAfterFirstBytes(`${daemon.apiUrl}/api/v0/cat?arg=${bigFile}`, "POST").catch(() => {});
      }
    });
    const failures: string[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const response = await fetch(`${daemon.gatewayUrl}/ipfs/${small}`);
        if (response.status !== 200) failures.push(`GET ${response.status}`);
        else await response.arrayBuffer();
        const added = await api.add(new TextEncoder().encode(`well-behaved ${i}\n`)).catch((err: Error) => err);
        if (added instanceof Error) failures.push(`add: ${added.message}`);
        const full = await fetch(`${daemon.gatewayUrl}/ipfs/${image}`)
          .then((r) => r.arrayBuffer())
          .catch((err: Error) => err);
        if (full instanceof Error || full.byteLength !== 2 * 1024 * 1024) failures.push(`full read: ${full instanceof Error ? full.message : full.byteLength}`);
      }
    } finally {
      abusing = false;
      await Promise.all(abusers);
    }
    assert.deepEqual(failures, []);
    assert.ok(openFiles(pid) < 1024);
  });
});
