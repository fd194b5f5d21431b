/**
 * Test helper: run `node scripts/til.ts ipfs daemon` as a real process on free ports and learn its
 * addresses from the "listening on" lines it prints.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tilNodeEnv, tilNodeFlags } from "../../ipfs-node/node-flags.ts";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export interface DaemonProcess {
  child: ChildProcess;
  repo: string;
  apiUrl: string;
  gatewayUrl: string;
  output: () => string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export async function makeTempRepo(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), "til-ipfs-test-"));
}

export async function removeRepo(repo: string): Promise<void> {
  await rm(repo, { recursive: true, force: true });
}

export interface DaemonPlacement {
  /** A command the daemon runs under, e.g. `ip netns exec <namespace>` (it must exec the daemon, so that signals reach it). */
  commandPrefix?: string[];
  /** The IP address the RPC API and the gateway bind (on free ports); 127.0.0.1 by default. */
  bindAddress?: string;
}

/**
 * Start the daemon as `npm run til -- ipfs daemon` does, on free ports and the given repo. Offline
 * unless `extraArgs` give network settings (--swarm, --bootstrap or --offline): no test reaches the
 * public bootstrap peers.
 */
export async function startDaemonProcess(
  repo: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
  { commandPrefix = [], bindAddress = "127.0.0.1" }: DaemonPlacement = {},
): Promise<DaemonProcess> {
  const networked = extraArgs.some((arg) => arg === "--swarm" || arg === "--bootstrap" || arg === "--offline");
  const [command, ...prefixArgs] = [...commandPrefix, process.execPath];
  const child = spawn(
    command,
    [
      ...prefixArgs,
      ...tilNodeFlags(PROJECT_ROOT),
      "scripts/til.ts",
      "ipfs",
      "daemon",
      "--repo",
      repo,
      "--api",
      `${bindAddress}:0`,
      "--gateway",
      `${bindAddress}:0`,
      ...(networked ? [] : ["--offline"]),
      ...extraArgs,
    ],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...tilNodeEnv(PROJECT_ROOT), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`daemon did not start in 20 s:\n${output}`)), 20_000);
    const check = () => {
      if (/Daemon is ready/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`daemon exited with ${code} before it was ready:\n${output}`));
    });
  });
  const address = (label: string) => {
    const match = new RegExp(`${label} server listening on /ip4/([\\d.]+)/tcp/(\\d+)`).exec(output);
    if (!match) throw new Error(`no "${label} server listening on" line in:\n${output}`);
    return `http://${match[1]}:${match[2]}`;
  };
  return {
    child,
    repo,
    apiUrl: address("RPC API"),
    gatewayUrl: address("Gateway"),
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** Deterministic pseudo-random bytes (xorshift32), produced in 1 MiB pieces, never held whole. */
export async function* seededBytes(size: number, seed: number): AsyncGenerator<Uint8Array> {
  let state = seed >>> 0 || 1;
  const piece = 1024 * 1024;
  for (let done = 0; done < size; done += piece) {
    const bytes = new Uint8Array(Math.min(piece, size - done));
    for (let i = 0; i < bytes.length; i += 4) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      bytes[i] = state & 0xff;
      if (i + 1 < bytes.length) bytes[i + 1] = (state >>> 8) & 0xff;
      if (i + 2 < bytes.length) bytes[i + 2] = (state >>> 16) & 0xff;
      if (i + 3 < bytes.length) bytes[i + 3] = (state >>> 24) & 0xff;
    }
    yield bytes;
  }
}

/** Every item of an async iterable (Array.fromAsync is outside the project's ES2023 lib). */
export async function collectAll<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}
