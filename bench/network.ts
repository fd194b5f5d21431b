/**
 * `npm run bench:network`: three nodes A, B, C as processes on loopback (swarms on 127.0.0.1, .2
 * and .3 on Linux, see loopbackHost; `--bootstrap` naming only each other, the DHT in lan mode, no public peer), measured:
 * - first read on C of an entry pinned only on A, through C's gateway: C knows only B, so each read
 *   is a DHT lookup (B holds A's provider records) then a dial of A and Bitswap; C drops its
 *   connection to A before each read so every one of the 100 entries pays the lookup. p50 / p95.
 * - 1,000 entries pinned on B from A over the network, as `til mirror` pins them (the node's
 *   `pin add` per entry, PINS_AT_ONCE at once), beside fetching the same 1,000 entries from A's
 *   trustless gateway over HTTP (every block checked against its CID by core/retrieve, as many at
 *   once), in the same run, after B's announcements of the pinned roots ended. A stand-in for
 *   `til mirror` itself: that needs a chain with 1,000 published entries (a local stack publishing
 *   them takes minutes), and mirror adds only reading the registry's events to these pins.
 * - peak resident memory of each node over the whole run.
 * Prints a table, then one JSON line last with the goals.
 */
import { readFileSync } from "node:fs";
import { forEachConcurrently } from "#core/concurrency.ts";
import { listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { makeTempRepo, removeRepo } from "../test/ipfs/daemon-process.ts";
import { PINS_AT_ONCE } from "../scripts/commands/mirror.ts";
import { addEntries, eventually, loopbackHost, startPeer, type PeerNode } from "../test/network/peers.ts";

const FIRST_READS = 100;
const MIRRORED = 1000;

function note(i: number): string {
  return `# TIL #${i}: content addressing\n\nA CID names bytes, not a place. ${"Lorem ipsum dolor sit amet. ".repeat(8 + (i % 5))}\n`;
}

/** VmHWM: the peak resident memory of a process so far (MB). */
function peakRssMb(node: PeerNode): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${node.child.pid}/status`, "utf8"));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const nodes: PeerNode[] = [];
  try {
    const args = ["--fetch-timeout", "30s"];
    const a = await startPeer(await makeTempRepo(), { host: loopbackHost(1), extraArgs: args });
    nodes.push(a);
    const b = await startPeer(await makeTempRepo(), { host: loopbackHost(2), bootstrap: [a.dialAddress], extraArgs: args });
    nodes.push(b);
    const c = await startPeer(await makeTempRepo(), { host: loopbackHost(3), bootstrap: [b.dialAddress], extraArgs: args });
    nodes.push(c);
    await eventually("B is connected to A and C", async () => ((await b.rpc("swarm/peers")).json() as { Peers: unknown[] }).Peers.length >= 2);

    // first reads: entries added (pinned, announced) on A only
    const readEntries = await addEntries(
      a,
      Array.from({ length: FIRST_READS }, (_, i) => note(i)),
    );
    const last = readEntries[readEntries.length - 1].cid;
    await eventually("A's last announcement reached B", async () =>
      (await c.rpc("routing/findprovs", { arg: last, "num-providers": "1" })).body.includes(a.peerId),
    );
    const readMs: number[] = [];
    for (const [index, { cid, files }] of readEntries.entries()) {
      await c.rpc("swarm/disconnect", { arg: `/p2p/${a.peerId}` });
      const started = performance.now();
      const response = await fetch(`${c.gatewayUrl}/ipfs/${cid}/index.md`);
      const body = new Uint8Array(await response.arrayBuffer());
      readMs.push(performance.now() - started);
      if (response.status !== 200 || Buffer.compare(body, files.get("index.md") as Uint8Array) !== 0)
        throw new Error(`C read entry ${index} ${cid}: ${response.status}\n${c.output().slice(-2000)}`);
    }
    readMs.sort((x, y) => x - y);

    // mirror-like pins on B beside verified HTTP reads from A's gateway, of the same entries
    const mirrored = await addEntries(
      a,
      Array.from({ length: MIRRORED }, (_, i) => note(FIRST_READS + i)),
    );
    const pinStarted = performance.now();
    await forEachConcurrently(mirrored, PINS_AT_ONCE, async ({ cid }) => {
      const pinned = await b.rpc("pin/add", { arg: cid });
      if (pinned.status !== 200) throw new Error(`pin/add ${cid} on B: ${pinned.body}`);
    });
    const pinSeconds = (performance.now() - pinStarted) / 1000;
    // B announces the roots it pinned once its fetches are quiet: let that finish (it loads A) before the baseline runs
    await eventually("B announced what it pinned", async () => ((await b.rpc("bitswap/stat")).json() as { ProvideBufLen: number }).ProvideBufLen === 0);
    const reader = new VerifiedGatewayBlockstore([a.gatewayUrl]);
    const httpStarted = performance.now();
    await forEachConcurrently(mirrored, PINS_AT_ONCE, async ({ cid }) => {
      for (const path of await listEntryFiles(reader, cid)) await readEntryFile(reader, cid, path);
    });
    const httpSeconds = (performance.now() - httpStarted) / 1000;

    const figures = {
      first_read_p50_ms: Math.round(percentile(readMs, 50)),
      first_read_p95_ms: Math.round(percentile(readMs, 95)),
      first_read_max_ms: Math.round(readMs[readMs.length - 1]),
      mirror_entries_per_s: Math.round((MIRRORED / pinSeconds) * 10) / 10,
      http_trustless_entries_per_s: Math.round((MIRRORED / httpSeconds) * 10) / 10,
      peak_rss_mb: { a: peakRssMb(a), b: peakRssMb(b), c: peakRssMb(c) },
    };
    const mirrorVsHttp = Math.round((figures.mirror_entries_per_s / figures.http_trustless_entries_per_s) * 100) / 100;
    const goals = {
      mirror_at_least_half_of_http: mirrorVsHttp >= 0.5,
      first_read_p95_at_most_1_s: figures.first_read_p95_ms <= 1000,
      each_node_at_most_350_mb: Math.max(figures.peak_rss_mb.a, figures.peak_rss_mb.b, figures.peak_rss_mb.c) <= 350,
    };
    const rows: string[][] = [
      ["measure", "network", "baseline", "goal"],
      [
        `first read on C of ${FIRST_READS} entries pinned only on A (ms)`,
        `p50 ${figures.first_read_p50_ms}, p95 ${figures.first_read_p95_ms}, max ${figures.first_read_max_ms}`,
        "-",
        "p95 <= 1000",
      ],
      [
        `${MIRRORED} entries pinned on B from A as til mirror pins, ${PINS_AT_ONCE} at once (entries/s; stand-in: no chain)`,
        String(figures.mirror_entries_per_s),
        `${figures.http_trustless_entries_per_s} (A's trustless gateway, verified)`,
        `x${mirrorVsHttp} (>= 0.5)`,
      ],
      ["peak RSS A / B / C (MB)", `${figures.peak_rss_mb.a} / ${figures.peak_rss_mb.b} / ${figures.peak_rss_mb.c}`, "-", "each <= 350"],
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    for (const [index, row] of rows.entries()) {
      console.log(row.map((cell, column) => cell.padEnd(widths[column])).join(" | "));
      if (index === 0) console.log(widths.map((width) => "-".repeat(width)).join("-|-"));
    }
    console.log(JSON.stringify({ bench: "network", ...figures, mirror_vs_http: mirrorVsHttp, goals }));
  } finally {
    for (const node of nodes) {
      await node.stop();
      await removeRepo(node.repo);
    }
  }
}

await main();
