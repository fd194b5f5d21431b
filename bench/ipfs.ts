/**
 * `npm run bench:ipfs`: the embedded IPFS node, started as a process, measured beside its floors in
 * the same run:
 * - add 1,000 small markdown entries and one 64 MiB file through the Kubo RPC API
 *   (kubo-rpc-client), beside the same work (same importer options, same pins) done by Helia
 *   in-process on its own fs store;
 * - gateway requests/s for a cached 2 KiB entry at concurrency 32, beside a plain Node `http`
 *   server (also its own process) serving the same bytes from memory;
 * - the daemon's peak resident memory during the 64 MiB add and during the gateway load.
 * Prints a table, then one JSON line last.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { unixfs } from "@helia/unixfs";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight } from "helia";
import { create } from "kubo-rpc-client";
import { kuboImporterOptions } from "../core/unixfs/kubo-importer.ts";
import { seededBytes, startDaemonProcess } from "../test/ipfs/daemon-process.ts";

const ENTRIES = 1000;
const BIG_FILE_BYTES = 64 * 1024 * 1024;
const GATEWAY_CONCURRENCY = 32;
const LOAD_SECONDS = 2;
const LOAD_ROUNDS = 3;
const BIG_FILE_TURNS = 3;
/** The app's entry options: CIDv1 with raw leaves, wrapped in a directory. */
const ENTRY_OPTIONS = { cidVersion: 1 as const, rawLeaves: true, wrapWithDirectory: true };

function entryFiles(i: number): Array<{ path: string; content: Uint8Array }> {
  const markdown = `---\ntitle: "TIL #${i}: something about content addressing"\ndate: 2026-01-${String((i % 28) + 1).padStart(2, "0")}\ntags: [ipfs, til, n${i % 17}]\n---\n\n# TIL #${i}\n\nA CID names bytes, not a place. ${"Lorem ipsum dolor sit amet. ".repeat(8 + (i % 5))}\n\n\`\`\`ts\nconst cid = await add(note${i})\n\`\`\`\n`;
  const metadata = JSON.stringify({ name: `TIL #${i}`, description: `Entry ${i}`, properties: { tags: ["ipfs", "til"] } });
  const encoder = new TextEncoder();
  return [
    { path: `entry-${i}/index.md`, content: encoder.encode(markdown) },
    { path: `entry-${i}/metadata.json`, content: encoder.encode(metadata) },
  ];
}

/** Peak VmRSS of a process while `work` runs, sampled every 10 ms (MB). */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peakKb = 0;
  const sample = () => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {}
  };
  sample();
  const timer = setInterval(sample, 10);
  try {
    const result = await work();
    sample();
    return { result, peakMb: peakKb / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await work();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/**
 * Keep-alive GET load at a fixed concurrency (one request in flight per connection); requests per
 * second. A minimal HTTP/1.1 client on raw sockets, so the load generator costs little CPU and
 * the servers, not the client, set the pace.
 */
async function loadTest(url: string, concurrency: number, seconds: number, expectedBytes: number): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  const request = Buffer.from(`GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`, "latin1");
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, () =>
      new Promise<void>((resolve) => {
        const socket = net.connect(Number(port), hostname);
        let pending: Buffer = Buffer.alloc(0);
        const next = () => {
          if (performance.now() >= deadline) {
            socket.end();
            return resolve();
          }
          socket.write(request);
        };
        socket.on("connect", next);
        socket.on("data", (chunk: Buffer) => {
          pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          while (true) {
            const headerEnd = pending.indexOf("\r\n\r\n");
            if (headerEnd < 0) return;
            const head = pending.subarray(0, headerEnd).toString("latin1");
            const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
            if (!Number.isFinite(length)) {
              failures++;
              socket.destroy();
              return resolve();
            }
            if (pending.length < headerEnd + 4 + length) return;
            if (head.startsWith("HTTP/1.1 200") && length === expectedBytes) done++;
            else failures++;
            pending = pending.subarray(headerEnd + 4 + length);
            next();
          }
        });
        socket.on("error", () => {
          failures++;
          resolve();
        });
        socket.on("close", () => resolve());
      }),
    ),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (failures > 0) throw new Error(`${failures} gateway requests failed or returned the wrong bytes`);
  return done / elapsed;
}

/** A plain Node http server in its own process, answering every GET with the same bytes. */
async function startPlainServer(bytes: Uint8Array): Promise<{ url: string; stop: () => void }> {
  const source = `
    const http = require("node:http");
    const body = Buffer.from(process.argv[1], "base64");
    http.createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "text/markdown; charset=utf-8", "Content-Length": body.length });
      res.end(body);
    }).listen(0, "127.0.0.1", function () { console.log("port " + this.address().port); });
  `;
  const child = spawn(process.execPath, ["-e", source, Buffer.from(bytes).toString("base64")], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => child.stdout.on("data", (chunk) => resolve(Number(/port (\d+)/.exec(String(chunk))?.[1]))));
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill() };
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "til-ipfs-bench-"));
  const daemon = await startDaemonProcess(path.join(work, "daemon-repo"), ["--upload-limit", "1GiB"]);
  const pid = daemon.child.pid as number;
  const api = create({ url: daemon.apiUrl });

  const blockstore = new FsBlockstore(path.join(work, "helia-repo", "blocks"));
  const datastore = new FsDatastore(path.join(work, "helia-repo", "datastore"));
  await blockstore.open();
  await datastore.open();
  const helia = createHeliaLight({ blockstore, datastore });
  await helia.start();
  const heliaFs = unixfs(helia);

  try {
    // warm both paths (JIT, folders) with entries that are not measured
    for (let i = 0; i < 20; i++) {
      for await (const _ of api.addAll(entryFiles(-1 - i), ENTRY_OPTIONS));
      for await (const _ of heliaFs.addAll(entryFiles(-1 - i), kuboImporterOptions(ENTRY_OPTIONS)));
    }

    // 1,000 entries, one add (and pin) per entry, as the app publishes them; the node and Helia
    // in-process take turns by fifties so both see the same disk, cache and machine load
    let rpcEntrySeconds = 0;
    let heliaEntrySeconds = 0;
    for (let batch = 0; batch < ENTRIES / 50; batch++) {
      const entryCids: string[] = [];
      rpcEntrySeconds += (await timed(async () => {
        for (let i = batch * 50; i < (batch + 1) * 50; i++) {
          let root = "";
          for await (const result of api.addAll(entryFiles(i), ENTRY_OPTIONS)) root = result.cid.toString();
          entryCids.push(root);
        }
      })).seconds;
      heliaEntrySeconds += (await timed(async () => {
        for (let i = batch * 50; i < (batch + 1) * 50; i++) {
          let root;
          for await (const result of heliaFs.addAll(entryFiles(i), kuboImporterOptions(ENTRY_OPTIONS))) root = result.cid;
          if (String(root) !== entryCids[i - batch * 50]) throw new Error(`entry ${i}: Helia in-process gave ${root}, the node ${entryCids[i - batch * 50]}`);
          for await (const _ of helia.pins.add(root!));
        }
      })).seconds;
    }

    // one 64 MiB file (Kubo defaults: CIDv0, 256 KiB chunks), streamed, pinned; after a warm-up,
    // three turns each, best of three (the machine may be shared)
    await api.add(seededBytes(8 * 1024 * 1024, 8));
    await heliaFs.addByteStream(seededBytes(8 * 1024 * 1024, 8), kuboImporterOptions());
    let rpcBigSeconds = Infinity;
    let heliaBigSeconds = Infinity;
    let bigAddPeakMb = 0;
    for (let turn = 0; turn < BIG_FILE_TURNS; turn++) {
      const rpcBig = await peakRss(pid, () => timed(() => api.add(seededBytes(BIG_FILE_BYTES, 64 + turn))));
      bigAddPeakMb = Math.max(bigAddPeakMb, rpcBig.peakMb);
      rpcBigSeconds = Math.min(rpcBigSeconds, rpcBig.result.seconds);
      const heliaBig = await timed(async () => {
        const cid = await heliaFs.addByteStream(seededBytes(BIG_FILE_BYTES, 64 + turn), kuboImporterOptions());
        for await (const _ of helia.pins.add(cid));
        return cid;
      });
      heliaBigSeconds = Math.min(heliaBigSeconds, heliaBig.seconds);
      if (heliaBig.result.toString() !== rpcBig.result.result.cid.toString()) throw new Error("64 MiB file: Helia in-process and the node disagree on the CID");
    }

    // gateway: a cached 2 KiB entry at concurrency 32, beside a plain server with the same bytes
    const entryBytes = new TextEncoder().encode(`# A 2 KiB entry\n\n${"Content addressing means the name is the hash. ".repeat(43)}`.slice(0, 2048));
    const entry = await api.add({ path: "entry.md", content: entryBytes }, { wrapWithDirectory: true, cidVersion: 1 });
    const entryUrl = `${daemon.gatewayUrl}/ipfs/${entry.cid}/entry.md`;
    await loadTest(entryUrl, GATEWAY_CONCURRENCY, 1, entryBytes.length);
    const plain = await startPlainServer(entryBytes);
    let plainRps = 0;
    const gateway = { result: 0, peakMb: 0 };
    try {
      await loadTest(plain.url, GATEWAY_CONCURRENCY, 1, entryBytes.length);
      // alternate the two servers, best round of each (the machine may be shared)
      for (let round = 0; round < LOAD_ROUNDS; round++) {
        const measured = await peakRss(pid, () => loadTest(entryUrl, GATEWAY_CONCURRENCY, LOAD_SECONDS, entryBytes.length));
        gateway.result = Math.max(gateway.result, measured.result);
        gateway.peakMb = Math.max(gateway.peakMb, measured.peakMb);
        plainRps = Math.max(plainRps, await loadTest(plain.url, GATEWAY_CONCURRENCY, LOAD_SECONDS, entryBytes.length));
      }
    } finally {
      plain.stop();
    }

    const mb = BIG_FILE_BYTES / 1e6;
    const figures = {
      entries_per_s_rpc: round(ENTRIES / rpcEntrySeconds),
      entries_per_s_helia_in_process: round(ENTRIES / heliaEntrySeconds),
      add_64mib_mb_per_s_rpc: round(mb / rpcBigSeconds),
      add_64mib_mb_per_s_helia_in_process: round(mb / heliaBigSeconds),
      gateway_rps: round(gateway.result),
      plain_http_rps: round(plainRps),
      peak_rss_mb_during_64mib_add: round(bigAddPeakMb),
      peak_rss_mb_during_gateway_load: round(gateway.peakMb),
    };
    const ratios = {
      rpc_entries_time_vs_helia: round(rpcEntrySeconds / heliaEntrySeconds, 2),
      rpc_64mib_time_vs_helia: round(rpcBigSeconds / heliaBigSeconds, 2),
      gateway_vs_plain_http: round(gateway.result / plainRps, 2),
    };
    const goals = {
      rpc_add_within_1_5x_of_helia: ratios.rpc_entries_time_vs_helia <= 1.5 && ratios.rpc_64mib_time_vs_helia <= 1.5,
      gateway_at_least_half_of_plain_http: ratios.gateway_vs_plain_http >= 0.5,
      peak_rss_at_most_300_mb: Math.max(bigAddPeakMb, gateway.peakMb) <= 300,
    };
    const rows: Array<[string, string, string, string]> = [
      ["add 1,000 entries (entries/s)", String(figures.entries_per_s_rpc), String(figures.entries_per_s_helia_in_process), `time x${ratios.rpc_entries_time_vs_helia} (goal <= 1.5)`],
      ["add one 64 MiB file (MB/s)", String(figures.add_64mib_mb_per_s_rpc), String(figures.add_64mib_mb_per_s_helia_in_process), `time x${ratios.rpc_64mib_time_vs_helia} (goal <= 1.5)`],
      [`gateway 2 KiB entry, c=${GATEWAY_CONCURRENCY} (req/s)`, String(figures.gateway_rps), `${figures.plain_http_rps} (plain http)`, `x${ratios.gateway_vs_plain_http} (goal >= 0.5)`],
      ["daemon peak RSS, 64 MiB add (MB)", String(figures.peak_rss_mb_during_64mib_add), "-", "goal <= 300"],
      ["daemon peak RSS, gateway load (MB)", String(figures.peak_rss_mb_during_gateway_load), "-", "goal <= 300"],
    ];
    const header: [string, string, string, string] = ["measure", "node (RPC / gateway)", "floor (Helia in-process / plain http)", "ratio"];
    const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
    for (const row of [header, widths.map((w) => "-".repeat(w)) as typeof header, ...rows]) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join(" | "));
    console.log(JSON.stringify({ bench: "ipfs", ...figures, ...ratios, goals }));
  } finally {
    await helia.stop();
    await daemon.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

await main();
