/**
 * The local stack for browser tests, started exactly as `npm start` starts it (scripts/stack/start.ts)
 * on free ports in a temporary home, with the app's origin allowed on the IPFS RPC API (and the
 * gateway's, for the copy of the app served from IPFS).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
export const nodeBinary = path.join(projectRoot, "node_modules", ".bin", "node");

export interface Stack {
  home: string;
  appUrl: string;
  rpcUrl: string;
  apiUrl: string;
  gatewayUrl: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startStack(): Promise<Stack> {
  const home = await mkdtemp(path.join(os.tmpdir(), "til-e2e-"));
  const [chainPort, apiPort, gatewayPort, appPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const child: ChildProcess = spawn(
    nodeBinary,
    [path.join(projectRoot, "scripts", "stack", "start.ts"), "--home", home, "--chain-port", String(chainPort), "--api", `127.0.0.1:${apiPort}`, "--gateway", `127.0.0.1:${gatewayPort}`, "--app-port", String(appPort)],
    { cwd: projectRoot, env: { ...process.env, TIL_IPFS_API_ORIGINS: `${appOrigin},http://localhost:${appPort},http://127.0.0.1:${gatewayPort}`, VITE_TIL_GATEWAYS: "" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stack did not start in 120 s:\n${output}`)), 120_000);
    const check = () => {
      if (output.includes("Press Ctrl-C to stop")) (clearTimeout(timer), resolve());
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`stack exited (${code}):\n${output}`))));
  });
  return {
    home,
    appUrl: `${appOrigin}/`,
    rpcUrl: `http://127.0.0.1:${chainPort}`,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await gone;
        clearTimeout(timer);
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** `til import <source>` against the stack (as Hardhat's first dev account); returns the JSON summary. */
export function tilImport(stack: Stack, source: string, extraArgs: string[] = []): Record<string, unknown> {
  const result = spawnSync(nodeBinary, [path.join(projectRoot, "scripts", "til.ts"), "import", source, "--home", stack.home, ...extraArgs], {
    cwd: projectRoot,
    env: { ...process.env, TIL_IPFS_API: stack.apiUrl.replace("http://", "") },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`til import failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const last = result.stdout.trim().split("\n").pop()!;
  return JSON.parse(last) as Record<string, unknown>;
}
