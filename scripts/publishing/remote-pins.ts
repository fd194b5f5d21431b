/**
 * The remote-pin stage of `til publish` and `til import`, after minting: every remote pinning
 * service the IPFS node knows (`pin/remote/service/ls`) is asked to pin each of the author's minted
 * entries it does not hold yet (`pin/remote/add --background`; the node sends its own addresses as
 * origins), then the stage waits, up to a timeout, for each request to be pinned or failed.
 *
 * Journaled like every other step (journal.ts `remote-pin` records: queued when asked, then the
 * status it settled on), so a re-run continues: an entry the journal holds as pinned on a service
 * is not asked again, a request still queued or pinning is found on the service by its CID and
 * waited for (never sent twice), and a failed one is asked again.
 */
import type { KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { terminalLine } from "../cli/terminal-text.ts";
import type { Journal, RemotePinRecord } from "./journal.ts";

export type RemoteStatus = RemotePinRecord["status"];
const STATUSES: RemoteStatus[] = ["queued", "pinning", "pinned", "failed"];

/** Per service name: how many of the entries ended in each status (`none`: could not be asked). */
export type RemotePinTally = Record<string, Record<RemoteStatus | "none", number>>;

export interface RemotePinStageOptions {
  journal: Journal;
  ipfs: KuboRPCClient;
  /** The entries each service should pin. */
  entries: ReadonlyArray<{ cid: string; title?: string }>;
  /** How long to wait for `pinned` (0: ask, and do not wait). */
  timeoutMs: number;
  progress: { update(state: { done: number; total?: number; current?: string }): void; log(message: string): void };
}

/** Spec limit: at most 10 CIDs per lookup. */
const LOOKUP_BATCH = 10;
const POLL_MS = 1_000;

/** Runs the stage; undefined when the node knows no remote service (nothing to report). */
export async function pinOnRemoteServices(options: RemotePinStageOptions): Promise<RemotePinTally | undefined> {
  const { ipfs, progress } = options;
  let services: Array<{ name: string; endpoint: string }>;
  try {
    services = (await ipfs.pin.remote.service.ls()).map((s) => ({ name: s.service, endpoint: s.endpoint.toString().replace(/\/+$/, "") }));
  } catch (error) {
    progress.log(`remote pinning skipped: the IPFS node did not list its pinning services (${(error as Error).message.split("\n")[0]})`);
    return undefined;
  }
  if (services.length === 0 || options.entries.length === 0)
    return services.length === 0 ? undefined : Object.fromEntries(services.map((s) => [s.name, emptyTally()]));
  const tally: RemotePinTally = {};
  for (const service of services) tally[service.name] = await pinOnService(service, options);
  return tally;
}

async function pinOnService(service: { name: string; endpoint: string }, options: RemotePinStageOptions): Promise<Record<RemoteStatus | "none", number>> {
  const { journal, ipfs, progress } = options;
  const status = new Map<string, RemoteStatus | "none">();
  for (const { cid } of options.entries) {
    const known = journal.remotePinStatus(service, cid);
    if (known === "pinned") status.set(cid, "pinned");
  }
  const label = terminalLine(service.name);
  const record = (cid: string, value: RemoteStatus): RemotePinRecord => ({
    event: "remote-pin",
    service: service.name,
    endpoint: service.endpoint,
    cid,
    status: value,
  });
  const report = (current?: string) =>
    progress.update({ done: [...status.values()].filter((s) => s === "pinned" || s === "failed").length, total: options.entries.length, current });

  // what the service holds already (a run stopped while it worked), then ask for the rest
  const pending = options.entries.filter(({ cid }) => status.get(cid) !== "pinned");
  try {
    for (const lookup of await lookUp(
      ipfs,
      service.name,
      pending.map((e) => e.cid),
    )) {
      for (const [cid, found] of lookup) status.set(cid, found);
    }
    for (let i = 0; i < pending.length; i += LOOKUP_BATCH) {
      const asked: RemotePinRecord[] = [];
      for (const { cid, title } of pending.slice(i, i + LOOKUP_BATCH)) {
        const now = status.get(cid);
        if (now !== undefined && now !== "failed") {
          asked.push(record(cid, now as RemoteStatus));
          continue;
        }
        const answer = await ipfs.pin.remote.add(CID.parse(cid), { service: service.name, background: true, ...(title ? { name: title.slice(0, 255) } : {}) });
        status.set(cid, answer.status);
        asked.push(record(cid, answer.status));
      }
      await journal.append(...asked.filter((r) => journal.remotePinStatus(service, r.cid) !== r.status));
      report(`${label}: asked`);
    }
  } catch (error) {
    progress.log(`remote pinning on ${label} (${terminalLine(service.endpoint)}) stopped: ${terminalLine((error as Error).message.split("\n")[0])}`);
    for (const { cid } of pending) if (!status.has(cid)) status.set(cid, "none");
    return count(status);
  }

  // wait for the requests to settle
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const open = [...status].filter(([, s]) => s === "queued" || s === "pinning").map(([cid]) => cid);
    if (open.length === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    try {
      const settled: RemotePinRecord[] = [];
      for (const lookup of await lookUp(ipfs, service.name, open)) {
        for (const [cid, found] of lookup) {
          if (status.get(cid) === found) continue;
          status.set(cid, found);
          if (found === "pinned" || found === "failed") settled.push(record(cid, found));
        }
      }
      await journal.append(...settled);
      for (const r of settled) if (r.status === "failed") progress.log(`remote pin failed on ${label}: ${r.cid}`);
      report(`${label}: waiting`);
    } catch (error) {
      progress.log(`remote pinning on ${label}: status not read (${terminalLine((error as Error).message.split("\n")[0])}); asking again`);
    }
  }
  return count(status);
}

/** The service's status of each CID (the most advanced request, if several), in batches of 10. */
export async function lookUp(ipfs: KuboRPCClient, service: string, cids: readonly string[]): Promise<Array<Map<string, RemoteStatus>>> {
  const out: Array<Map<string, RemoteStatus>> = [];
  for (let i = 0; i < cids.length; i += LOOKUP_BATCH) {
    const batch = cids.slice(i, i + LOOKUP_BATCH);
    const found = new Map<string, RemoteStatus>();
    const wanted = new Map(batch.map((cid) => [CID.parse(cid).toV1().toString(), cid]));
    for await (const pin of ipfs.pin.remote.ls({ service, cid: batch.map((cid) => CID.parse(cid)), status: STATUSES })) {
      const cid = wanted.get(pin.cid.toV1().toString());
      if (cid === undefined) continue;
      const before = found.get(cid);
      if (before === undefined || STATUS_RANK[pin.status] > STATUS_RANK[before]) found.set(cid, pin.status);
    }
    out.push(found);
  }
  return out;
}

const STATUS_RANK: Record<RemoteStatus, number> = { failed: 0, queued: 1, pinning: 2, pinned: 3 };

function emptyTally(): Record<RemoteStatus | "none", number> {
  return { queued: 0, pinning: 0, pinned: 0, failed: 0, none: 0 };
}

function count(status: Map<string, RemoteStatus | "none">): Record<RemoteStatus | "none", number> {
  const tally = emptyTally();
  for (const value of status.values()) tally[value]++;
  return tally;
}
