/**
 * `npm run bench:stack`: resident memory of the whole running stack, as `npm start` runs it.
 *
 * 1. Starts the stack (scripts/stack/start.ts, on free ports, in a temporary home) and publishes 30
 *    generated notes (the size of a real TIL log) with `til import`.
 * 2. Opens the app in headless Chromium, waits for the feed to show the entries, and reads the
 *    resident memory (RSS) of every process of the stack: the stack process (which serves the
 *    app's production build), the Hardhat node and the IPFS node.
 * 3. Baseline, in the same run: the Vite dev server, which served the app before, started on the
 *    same app and loaded by the same browser page, measured the same way.
 * Goal: the whole stack under 600 MB resident. The last line printed is a JSON object.
 */
import { spawn } from "node:child_process";
import { readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { launch } from "../test/e2e/browser.ts";
import { freePort, nodeBinary, projectRoot, startStack, tilImport } from "../test/e2e/stack.ts";
import { generateNotes } from "../test/support/generated-notes.ts";

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 30);
const GOAL_STACK_MB = 600;
const log = (message: string) => console.error(`[bench:stack] ${message}`);

/** RSS in MB of `pid` (from /proc). */
async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Children of `pid`, with their command lines. */
async function childrenOf(pid: number): Promise<Array<{ pid: number; command: string }>> {
  const out: Array<{ pid: number; command: string }> = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) out.push({ pid: Number(name), command: (await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "")).replace(/\0/g, " ") });
  }
  return out;
}

/** Opens `url` and waits until the feed shows `count` loaded entries. */
async function loadFeed(url: string, count: number): Promise<void> {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${url}#/`);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="feed-item"][data-loaded="true"]').length >= Math.min(n, 10), count, {
      timeout: 60_000,
    });
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const notes = await generateNotes(ENTRIES);
  const stack = await startStack();
  const { home } = stack;
  const rows: Array<{ part: string; mb: number }> = [];
  let devServerMB = 0;
  try {
    log(`importing ${ENTRIES} notes`);
    tilImport(stack, notes);
    const state = JSON.parse(await readFile(path.join(home, "stack.json"), "utf8")) as { pid: number };
    await loadFeed(stack.appUrl, ENTRIES);
    rows.push({ part: "stack process (serves the app build)", mb: await rssMB(state.pid) });
    for (const child of await childrenOf(state.pid)) {
      const part = child.command.includes("hardhat") ? "Hardhat node" : child.command.includes("ipfs daemon") ? "IPFS node" : child.command.slice(0, 40);
      rows.push({ part, mb: await rssMB(child.pid) });
    }

    log("baseline: the Vite dev server on the same app");
    const devPort = await freePort();
    const dev = spawn(
      nodeBinary,
      [
        path.join(projectRoot, "node_modules", "vite", "bin", "vite.js"),
        path.join(projectRoot, "frontend"),
        "--host",
        "127.0.0.1",
        "--port",
        String(devPort),
        "--strictPort",
      ],
      {
        env: { ...process.env, VITE_TIL_RPC_URL: stack.rpcUrl, VITE_TIL_IPFS_API: stack.apiUrl, VITE_TIL_GATEWAYS: stack.gatewayUrl },
        stdio: "ignore",
      },
    );
    try {
      const devUrl = `http://127.0.0.1:${devPort}/`;
      for (let i = 0; i < 150; i++) {
        if (
          await fetch(devUrl).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await loadFeed(devUrl, ENTRIES);
      devServerMB = await rssMB(dev.pid!);
    } finally {
      dev.kill("SIGTERM");
    }
  } finally {
    await stack.stop();
    await rm(notes, { recursive: true, force: true });
  }

  const totalMB = rows.reduce((sum, row) => sum + row.mb, 0);
  const baselineTotalMB = totalMB + devServerMB;
  console.log(`Resident memory of the running stack, ${ENTRIES} entries, after the app showed its feed\n`);
  console.log(`${"part".padEnd(40)} ${"RSS MB".padStart(8)}`);
  for (const row of rows) console.log(`${row.part.padEnd(40)} ${row.mb.toFixed(0).padStart(8)}`);
  console.log(`${"total (npm start)".padEnd(40)} ${totalMB.toFixed(0).padStart(8)}`);
  console.log(
    `${"baseline: + Vite dev server for the app".padEnd(40)} ${baselineTotalMB.toFixed(0).padStart(8)}  (dev server alone ${devServerMB.toFixed(0)})`,
  );
  console.log(`ratio total / baseline: ${(totalMB / baselineTotalMB).toFixed(2)}`);
  console.log(
    JSON.stringify({
      bench: "stack",
      entries: ENTRIES,
      parts: Object.fromEntries(rows.map((r) => [r.part, Math.round(r.mb)])),
      totalMB: Math.round(totalMB),
      devServerMB: Math.round(devServerMB),
      baselineTotalMB: Math.round(baselineTotalMB),
      ratio: Number((totalMB / baselineTotalMB).toFixed(3)),
      goals: { stackUnder600MB: totalMB < GOAL_STACK_MB },
    }),
  );
}

await main();
