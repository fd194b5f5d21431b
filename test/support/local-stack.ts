/**
 * Test helper: the local stack started exactly as `npm start` starts it (scripts/stack/start.ts,
 * a real Hardhat node, Ignition deployment and IPFS node) on free ports, and the `til` CLI run as a
 * process against it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * A port that is free now, for a process started later. It is taken below the kernel's ephemeral
 * range: a port the kernel handed out for `listen(0)` is handed out again to outgoing connections
 * (of the nodes and chain starting meanwhile), and one did take the app's port before the stack
 * bound it (EADDRINUSE in bench:network).
 */
export async function freePort(): Promise<number> {
  const [low] = await ephemeralRange;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIRST_PICKED_PORT + Math.floor(Math.random() * (low - FIRST_PICKED_PORT));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between ${FIRST_PICKED_PORT} and ${low}`);
}

const FIRST_PICKED_PORT = 10_000;

/** Linux's range for ephemeral ports (its default where it can't be read; IANA's starts higher). */
const ephemeralRange: Promise<[number, number]> = readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
  .then((text): [number, number] => {
    const [low, high] = text.trim().split(/\s+/).map(Number);
    return low > FIRST_PICKED_PORT + 1000 ? [low, high] : [32_768, 60_999];
  })
  .catch((): [number, number] => [32_768, 60_999]);

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

export interface StackPorts {
  chain: number;
  api: number;
  gateway: number;
  app: number;
}

export interface StartStackOptions {
  /** Ports to reuse (a restart); free ones are picked otherwise. */
  ports?: StackPorts;
  /** Extra `npm start` arguments, e.g. --with-samples. */
  args?: string[];
  /** Extra environment of the stack, e.g. TIL_IPFS_API_ORIGINS. */
  env?: Record<string, string>;
}

export interface Stack {
  home: string;
  /** The settings that point the CLI at this stack. */
  env: Record<string, string>;
  ports: StackPorts;
  rpcUrl: string;
  apiUrl: string;
  gatewayUrl: string;
  appUrl: string;
  output: () => string;
  /** Ctrl-C, and wait until every part has stopped. */
  stop(): Promise<void>;
}

/** Starts the stack with its state in `home`; resolves once it prints that it is running. */
export async function startStack(home: string, options: StartStackOptions = {}): Promise<Stack> {
  const p = options.ports ?? { chain: await freePort(), api: await freePort(), gateway: await freePort(), app: await freePort() };
  const env = {
    TIL_HOME: home,
    TIL_CHAIN_PORT: String(p.chain),
    TIL_IPFS_API: `127.0.0.1:${p.api}`,
    TIL_IPFS_GATEWAY: `127.0.0.1:${p.gateway}`,
    TIL_APP_PORT: String(p.app),
  };
  // offline: no test reaches the public IPFS network (nor binds the swarm's port 4001)
  const child: ChildProcess = spawn(process.execPath, ["scripts/stack/start.ts", "--offline", ...(options.args ?? [])], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...options.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack did not start in 120 s:\n${output}`)), 120_000);
    child.stdout!.on("data", () => {
      if (output.includes("Press Ctrl-C to stop.")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the stack exited with ${code} while starting:\n${output}`));
    });
  });
  return {
    home,
    env,
    ports: p,
    rpcUrl: `http://127.0.0.1:${p.chain}`,
    apiUrl: `http://127.0.0.1:${p.api}`,
    gatewayUrl: `http://127.0.0.1:${p.gateway}`,
    appUrl: `http://127.0.0.1:${p.app}/`,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON object on the last line of stdout. */
  summary: () => Record<string, unknown>;
}

/** Runs `command <args>` in the project's root with `env` added to this process's, to completion: its exit code and output. */
export function runInProject(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `til <args>` to completion. */
export async function runTil(args: string[], env: Record<string, string>): Promise<CliRun> {
  const run = await runInProject(process.execPath, ["scripts/til.ts", ...args], env);
  return { ...run, summary: () => JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "null") as Record<string, unknown> };
}

/** Starts `til <args>` and returns the running process (to kill it midway) and what it printed on stderr so far. */
export function spawnTil(args: string[], env: Record<string, string>): ChildProcess & { stderrText: () => string } {
  const child = spawn(process.execPath, ["scripts/til.ts", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  return Object.assign(child, { stderrText: () => stderr });
}
