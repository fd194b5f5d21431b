/**
 * Test helpers for remote pinning: a node started with `--pinning-api`, tokens made with the real
 * `til ipfs pinning-token` command, and a proxy in front of a gateway that can hold requests (so
 * a test can catch a pin in the middle of its fetch).
 */
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { create, type KuboRPCClient } from "kubo-rpc-client";
import type { CID } from "multiformats/cid";
import { tilNodeEnv, tilNodeFlags } from "../../ipfs-node/node-flags.ts";
import type { PinResults, PinStatus } from "../../ipfs-node/pinning/spec.ts";
import { makeTempRepo, PROJECT_ROOT, startDaemonProcess, type DaemonProcess } from "../ipfs/daemon-process.ts";

const run = promisify(execFile);

export interface PinningDaemon extends DaemonProcess {
  pinningUrl: string;
}

/** A node (offline, loopback) that also serves the Pinning Service API on a free port. */
export async function startPinningDaemon(repo: string, extraArgs: string[] = []): Promise<PinningDaemon> {
  const daemon = await startDaemonProcess(repo, ["--pinning-api", "127.0.0.1:0", ...extraArgs]);
  const match = /Pinning Service API listening on \/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(daemon.output());
  if (!match) throw new Error(`no "Pinning Service API listening on" line in:\n${daemon.output()}`);
  return Object.assign(daemon, { pinningUrl: `http://${match[1]}:${match[2]}` });
}

/**
 * The two nodes most remote-pinning tests start: `a`, a plain node (with its RPC client), and `b`,
 * a pinning service that gave `a` the token `tokenName` with a 10 MiB quota. Stops what it started if a step fails.
 */
export async function startPinningPair(tokenName: string): Promise<{ a: DaemonProcess; apiA: KuboRPCClient; b: PinningDaemon; token: string }> {
  const a = await startDaemonProcess(await makeTempRepo());
  let b: PinningDaemon | undefined;
  try {
    b = await startPinningDaemon(await makeTempRepo());
    return { a, apiA: create({ url: a.apiUrl }), b, token: await createToken(b.repo, tokenName, "10MiB") };
  } catch (error) {
    await tearDown(b ? [a, b] : [a]);
    throw error;
  }
}

/** `til <args>` as a process; its stdout, stderr and exit code. */
export async function til(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...tilNodeFlags(PROJECT_ROOT), "scripts/til.ts", ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...tilNodeEnv(PROJECT_ROOT), ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const failed = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: failed.stdout ?? "", stderr: failed.stderr ?? "", code: failed.code ?? -1 };
  }
}

/** A token made with `til ipfs pinning-token create` on a repo. */
export async function createToken(repo: string, name: string, quota: string): Promise<string> {
  const result = await til(["ipfs", "pinning-token", "create", "--repo", repo, "--name", name, "--quota", quota]);
  if (result.code !== 0) throw new Error(`pinning-token create failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Any body the Pinning Service API answers with: a PinStatus, a PinResults or a Failure (tests read the fields of the one they expect). */
type ApiBody = PinStatus & PinResults & { error: { reason: string; details?: string } };

/** A call of the Pinning Service API: status and parsed JSON body. */
export async function pinningApi(
  base: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: ApiBody }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
}

/** Polls a request until its status is one of `statuses`. */
export async function waitForStatus(base: string, token: string, requestid: string, statuses: string[], timeoutMs = 60_000): Promise<ApiBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, json } = await pinningApi(base, token, "GET", `/pins/${requestid}`);
    if (status === 200 && statuses.includes(json.status)) return json;
    if (Date.now() > deadline) throw new Error(`request ${requestid} is still ${JSON.stringify(json)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Whether `node` pins `cid` (recursively or otherwise). */
export async function pins(api: KuboRPCClient, cid: CID): Promise<boolean> {
  try {
    for await (const _ of api.pin.ls({ paths: [cid] })) return true;
  } catch {
    // Kubo's "not pinned" error
  }
  return false;
}

/** Stops the nodes (and closes the proxy) a test started, and removes their repos. */
export async function tearDown(nodes: DaemonProcess[], proxy?: HoldingProxy): Promise<void> {
  if (proxy) {
    proxy.release();
    await proxy.close();
  }
  for (const node of nodes) {
    await node.stop();
    await rm(node.repo, { recursive: true, force: true });
  }
}

export interface HoldingProxy {
  url: string;
  /** Requests seen so far. */
  seen: number;
  release(): void;
  close(): Promise<void>;
}

/** A proxy to `target` that holds every request until {@link HoldingProxy.release}. */
export async function holdingProxy(target: string): Promise<HoldingProxy> {
  let released = false;
  const waiting: Array<() => void> = [];
  const state = { seen: 0 };
  const server = http.createServer((req, res) => {
    state.seen++;
    const forward = () => {
      const upstream = http.request(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    };
    if (released) forward();
    else waiting.push(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get seen() {
      return state.seen;
    },
    release() {
      released = true;
      for (const forward of waiting.splice(0)) forward();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
