/**
 * `<home>/stack.json`: what a running `npm start` listens on, written once every part answers and
 * removed when it stops. The CLI in another shell reads it to find the stack's IPFS RPC API and
 * gateway (core/config.ts puts them below flags and environment), as it finds the chain and the
 * registry in `<home>/deployment.json`. A file left by a stack that died is ignored: its process
 * is gone.
 */
import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { RunningStackAddresses } from "#core/config.ts";
import { processIsAlive } from "#core/process.node.ts";

const STACK_STATE_FILE_NAME = "stack.json";

export interface StackState {
  /** Process id of `npm start`'s stack process. */
  pid: number;
  startedAt: string;
  chainRpcUrl: string;
  /** HOST:PORT, as TIL_IPFS_API is written. */
  ipfsApi: string;
  /** HOST:PORT, as TIL_IPFS_GATEWAY is written. */
  ipfsGateway: string;
  appUrl: string;
}

export async function writeStackState(home: string, state: StackState): Promise<string> {
  const file = path.join(home, STACK_STATE_FILE_NAME);
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
  return file;
}

/** Removes the file if it still describes this process's stack. */
export async function removeStackState(home: string, pid = process.pid): Promise<void> {
  if (readStackState(home)?.pid === pid) await rm(path.join(home, STACK_STATE_FILE_NAME), { force: true });
}

/** The running stack recorded in `home`, or undefined when there is none (or its process is gone). */
export function readStackState(home: string): StackState | undefined {
  let value: Partial<StackState>;
  try {
    value = JSON.parse(readFileSync(path.join(home, STACK_STATE_FILE_NAME), "utf8")) as Partial<StackState>;
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(value.pid) || typeof value.ipfsApi !== "string" || typeof value.ipfsGateway !== "string") return undefined;
  if (!processIsAlive(value.pid!)) return undefined;
  return value as StackState;
}

/** The addresses for core/config.ts's resolveSettings. */
export function runningStackAddresses(home: string): RunningStackAddresses {
  const state = readStackState(home);
  return state ? { ipfsApi: state.ipfsApi, ipfsGateway: state.ipfsGateway } : {};
}
