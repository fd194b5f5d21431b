/**
 * The local stack for browser tests, started exactly as `npm start` starts it (scripts/stack/start.ts)
 * on free ports in a temporary home. The stack allows its app's origin on the IPFS RPC API by
 * itself, whatever the port; a test adds the origin of a copy of the app served from IPFS.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { freePort, startStack as startSharedStack, type Stack as SharedStack } from "../support/local-stack.ts";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
export const nodeBinary = path.join(projectRoot, "node_modules", ".bin", "node");

export type Stack = SharedStack;
export { freePort };

/**
 * The stack in a temporary home. `apiOrigins` names more browser origins the IPFS RPC API answers,
 * from the gateway's port: a copy of the app added to IPFS runs on its own subdomain origin,
 * `http://<cid>.ipfs.localhost:<gateway port>`. `stop()` also removes the home.
 */
export async function startStack(apiOrigins: (gatewayPort: number) => string[] = () => []): Promise<Stack> {
  const home = await mkdtemp(path.join(os.tmpdir(), "til-e2e-"));
  const ports = { chain: await freePort(), api: await freePort(), gateway: await freePort(), app: await freePort() };
  const stack = await startSharedStack(home, {
    ports,
    env: apiOrigins(ports.gateway).length > 0 ? { TIL_IPFS_API_ORIGINS: apiOrigins(ports.gateway).join(",") } : {},
  });
  return {
    ...stack,
    async stop() {
      await stack.stop();
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
