/**
 * `npm run bench:ipfs`: the embedded IPFS node, started as a process, measured beside its floors in
 * the same run:
 * - add 1,000 small markdown entries and one 64 MiB file through the Kubo RPC API
 *   (kubo-rpc-client), beside the same work (same importer options, same pins) done by Helia
 *   in-process on its own fs store;
 * - gateway requests/s for a cached 2 KiB entry at concurrency 32 and for 256 KiB and 1 MiB files
 *   at concurrency 64, beside a plain Node `http` server (also its own process) serving the same
 *   bytes from memory;
 * - the daemon's peak resident memory during the 64 MiB add and during the gateway load;
 * - the node at real size: peak memory while adding a 1,000,000-block file (256 MB in 256-byte
 *   chunks, CIDv1 raw leaves, generated on the fly) and while gc runs over the repo holding it,
 *   and the slowest of the small adds made one after another while that gc runs.
 * Prints a table, then one JSON line last.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { unixfs } from "@helia/unixfs";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight } from "helia";
import { create } from "kubo-rpc-client";
import { kuboImporterOptions } from "#core/unixfs/kubo-importer.ts";
import { collectAll, seededBytes, startDaemonProcess } from "../test/ipfs/daemon-process.ts";
import { loadTest, startPlainServer } from "../test/ipfs/http-load.ts";

const ENTRIES = 1000;
const BIG_FILE_BYTES = 64 * 1024 * 1024;
const GATEWAY_CONCURRENCY = 32;
/** Concurrency for the multi-block files (as wrk -c 64 in issue 10). */
const LARGE_FILE_CONCURRENCY = 64;
const MILLION_BLOCKS = 1_000_000;
const MILLION_BLOCK_CHUNK = 256;
/** Small adds made one after another while gc runs over the million-block repo. */
const ADD_DURING_GC_BYTES = 4 * 1024;
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

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "til-ipfs-bench-"));
  const daemon = await startDaemonProcess(path.join(work, "daemon-repo"), [
    "--upload-limit",
    "1GiB",
    // networking on, as a user runs it, but on loopback and with no bootstrap peers (no internet)
    "--bootstrap",
    "none",
    "--swarm",
    "/ip4/127.0.0.1/tcp/0,/ip4/127.0.0.1/tcp/0/ws",
  ]);
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
      rpcEntrySeconds += (
        await timed(async () => {
          for (let i = batch * 50; i < (batch + 1) * 50; i++) {
            let root = "";
            for await (const result of api.addAll(entryFiles(i), ENTRY_OPTIONS)) root = result.cid.toString();
            entryCids.push(root);
          }
        })
      ).seconds;
      heliaEntrySeconds += (
        await timed(async () => {
          for (let i = batch * 50; i < (batch + 1) * 50; i++) {
            let root: Parameters<typeof helia.pins.add>[0] | undefined;
            for await (const result of heliaFs.addAll(entryFiles(i), kuboImporterOptions(ENTRY_OPTIONS))) root = result.cid;
            if (String(root) !== entryCids[i - batch * 50]) throw new Error(`entry ${i}: Helia in-process gave ${root}, the node ${entryCids[i - batch * 50]}`);
            for await (const _ of helia.pins.add(root!));
          }
        })
      ).seconds;
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
    const plain = await startPlainServer(entryBytes, path.join(work, "plain-entry.md"), "text/markdown; charset=utf-8");
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

    // gateway: 256 KiB and 1 MiB files (Kubo defaults: one block, and a root over four 256 KiB
    // chunks), beside the plain server with the same bytes, alternating, best round of each
    const largeFiles: Record<string, { gateway: number; plain: number; peakMb: number }> = {};
    for (const [label, size] of [
      ["256kib", 256 * 1024],
      ["1mib", 1024 * 1024],
    ] as const) {
      const bytes = Buffer.concat(await collectAll(seededBytes(size, size)));
      const { cid } = await api.add(bytes);
      const url = `${daemon.gatewayUrl}/ipfs/${cid}`;
      const server = await startPlainServer(bytes, path.join(work, `plain-${label}.bin`));
      const measured = { gateway: 0, plain: 0, peakMb: 0 };
      try {
        await loadTest(url, LARGE_FILE_CONCURRENCY, 1, size);
        await loadTest(server.url, LARGE_FILE_CONCURRENCY, 1, size);
        for (let round = 0; round < LOAD_ROUNDS; round++) {
          const run = await peakRss(pid, () => loadTest(url, LARGE_FILE_CONCURRENCY, LOAD_SECONDS, size));
          measured.gateway = Math.max(measured.gateway, run.result);
          measured.peakMb = Math.max(measured.peakMb, run.peakMb);
          measured.plain = Math.max(measured.plain, await loadTest(server.url, LARGE_FILE_CONCURRENCY, LOAD_SECONDS, size));
        }
      } finally {
        server.stop();
      }
      largeFiles[label] = measured;
    }

    // the node at real size: a 1,000,000-block file, then gc over the repo holding it while small
    // adds go on one after another
    const millionAdd = await peakRss(pid, () =>
      timed(() => api.add(seededBytes(MILLION_BLOCKS * MILLION_BLOCK_CHUNK, 1_000_000), { chunker: `size-${MILLION_BLOCK_CHUNK}`, cidVersion: 1 })),
    );
    await api.add(seededBytes(4 * 1024 * 1024, 4), { pin: false }); // some garbage for gc to remove
    // gc keeps blocks written from 2 s before the oldest add in flight: let the garbage age
    await new Promise((resolve) => setTimeout(resolve, 2500));
    let gcRunning = true;
    const addLatencies: number[] = [];
    const addsDuringGc = (async () => {
      for (let i = 0; gcRunning; i++) {
        const add = await timed(() => api.add(seededBytes(ADD_DURING_GC_BYTES, 5_000 + i)));
        if (gcRunning) addLatencies.push(add.seconds);
      }
    })();
    const millionGc = await peakRss(pid, () => timed(async () => collectAll(api.repo.gc())));
    gcRunning = false;
    await addsDuringGc;
    const slowestAddDuringGc = addLatencies.length > 0 ? Math.max(...addLatencies) : 0;

    const mb = BIG_FILE_BYTES / 1e6;
    const figures = {
      entries_per_s_rpc: round(ENTRIES / rpcEntrySeconds),
      entries_per_s_helia_in_process: round(ENTRIES / heliaEntrySeconds),
      add_64mib_mb_per_s_rpc: round(mb / rpcBigSeconds),
      add_64mib_mb_per_s_helia_in_process: round(mb / heliaBigSeconds),
      gateway_rps: round(gateway.result),
      plain_http_rps: round(plainRps),
      peak_rss_mb_during_64mib_add: round(bigAddPeakMb),
      peak_rss_mb_during_gateway_load: round(Math.max(gateway.peakMb, largeFiles["256kib"].peakMb, largeFiles["1mib"].peakMb)),
      gateway_256kib_rps: round(largeFiles["256kib"].gateway),
      plain_http_256kib_rps: round(largeFiles["256kib"].plain),
      gateway_1mib_rps: round(largeFiles["1mib"].gateway),
      plain_http_1mib_rps: round(largeFiles["1mib"].plain),
      million_block_add_seconds: round(millionAdd.result.seconds),
      peak_rss_mb_million_block_add: round(millionAdd.peakMb),
      million_block_gc_seconds: round(millionGc.result.seconds),
      million_block_gc_removed: millionGc.result.result.length,
      peak_rss_mb_million_block_gc: round(millionGc.peakMb),
      adds_during_gc: addLatencies.length,
      slowest_add_during_gc_seconds: round(slowestAddDuringGc, 2),
    };
    const ratios = {
      rpc_entries_time_vs_helia: round(rpcEntrySeconds / heliaEntrySeconds, 2),
      rpc_64mib_time_vs_helia: round(rpcBigSeconds / heliaBigSeconds, 2),
      gateway_vs_plain_http: round(gateway.result / plainRps, 2),
      gateway_256kib_vs_plain_http: round(largeFiles["256kib"].gateway / largeFiles["256kib"].plain, 2),
      gateway_1mib_vs_plain_http: round(largeFiles["1mib"].gateway / largeFiles["1mib"].plain, 2),
    };
    const goals = {
      rpc_add_within_1_5x_of_helia: ratios.rpc_entries_time_vs_helia <= 1.5 && ratios.rpc_64mib_time_vs_helia <= 1.5,
      gateway_at_least_half_of_plain_http: ratios.gateway_vs_plain_http >= 0.5,
      peak_rss_at_most_300_mb: Math.max(bigAddPeakMb, figures.peak_rss_mb_during_gateway_load) <= 300,
      gateway_256kib: ratios.gateway_256kib_vs_plain_http >= 0.5,
      gateway_1mib: ratios.gateway_1mib_vs_plain_http >= 0.5,
      rss_million_block_add: millionAdd.peakMb <= 300,
      rss_million_block_gc: millionGc.peakMb <= 300,
      add_during_gc: addLatencies.length > 0 && slowestAddDuringGc <= 2,
    };
    const rows: Array<[string, string, string, string]> = [
      [
        "add 1,000 entries (entries/s)",
        String(figures.entries_per_s_rpc),
        String(figures.entries_per_s_helia_in_process),
        `time x${ratios.rpc_entries_time_vs_helia} (goal <= 1.5)`,
      ],
      [
        "add one 64 MiB file (MB/s)",
        String(figures.add_64mib_mb_per_s_rpc),
        String(figures.add_64mib_mb_per_s_helia_in_process),
        `time x${ratios.rpc_64mib_time_vs_helia} (goal <= 1.5)`,
      ],
      [
        `gateway 2 KiB entry, c=${GATEWAY_CONCURRENCY} (req/s)`,
        String(figures.gateway_rps),
        `${figures.plain_http_rps} (plain http)`,
        `x${ratios.gateway_vs_plain_http} (goal >= 0.5)`,
      ],
      ["daemon peak RSS, 64 MiB add (MB)", String(figures.peak_rss_mb_during_64mib_add), "-", "goal <= 300"],
      [
        `gateway 256 KiB file, c=${LARGE_FILE_CONCURRENCY} (req/s)`,
        String(figures.gateway_256kib_rps),
        `${figures.plain_http_256kib_rps} (plain http)`,
        `x${ratios.gateway_256kib_vs_plain_http} (goal >= 0.5)`,
      ],
      [
        `gateway 1 MiB file, c=${LARGE_FILE_CONCURRENCY} (req/s)`,
        String(figures.gateway_1mib_rps),
        `${figures.plain_http_1mib_rps} (plain http)`,
        `x${ratios.gateway_1mib_vs_plain_http} (goal >= 0.5)`,
      ],
      ["daemon peak RSS, gateway load (MB)", String(figures.peak_rss_mb_during_gateway_load), "-", "goal <= 300"],
      [
        `daemon peak RSS, add of 1,000,000 blocks in ${figures.million_block_add_seconds} s (MB)`,
        String(figures.peak_rss_mb_million_block_add),
        "-",
        "goal <= 300",
      ],
      [`daemon peak RSS, gc over it in ${figures.million_block_gc_seconds} s (MB)`, String(figures.peak_rss_mb_million_block_gc), "-", "goal <= 300"],
      [`slowest of ${figures.adds_during_gc} adds during that gc (s)`, String(figures.slowest_add_during_gc_seconds), "-", "goal <= 2"],
    ];
    const header: [string, string, string, string] = ["measure", "node (RPC / gateway)", "floor (Helia in-process / plain http)", "ratio"];
    const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column].length)));
    for (const row of [header, widths.map((w) => "-".repeat(w)) as typeof header, ...rows])
      console.log(row.map((cell, column) => cell.padEnd(widths[column])).join(" | "));
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
