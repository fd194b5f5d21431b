/**
 * `til verify`: for every token, the content of every version (as published and each revision) is
 * retrievable through the gateways, every block matches its CID, and the IPFS node pins it. Exit
 * code 10 when any version fails. A token whose latest content names another author (format v2)
 * is a copy of that author's entry: listed under `copies` (reported, not failed). Every
 * gateway that failed or returned wrong bytes is named on stderr and counted in the JSON summary
 * (`gateways: [{gateway, served, failed, mismatched}]`, in the configured order).
 */
import type { KuboRPCClient } from "kubo-rpc-client";
import type { TilSettings } from "#core/config.ts";
import { readEntryMetadata } from "#core/entry/metadata.ts";
import { listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { addOutcomes, describeTroubles, tallyList, type GatewayTally } from "../cli/gateway-report.ts";
import { terminalJson } from "../cli/terminal-text.ts";
import { connectChain, connectIpfs, gatewayUrls } from "../cli/context.ts";
import { EXIT_CODES } from "../cli/errors.ts";
import { ProgressBar } from "../cli/progress.ts";
import { lookUp, type RemoteStatus } from "../publishing/remote-pins.ts";
import { type CatalogEntry, loadCatalog } from "./entry-catalog.ts";

/**
 * `--remote`: each entry's status on each remote pinning service the IPFS node knows (`none`: the
 * service has no request for it), and the count of each status per service.
 */
async function remoteStatuses(ipfs: KuboRPCClient, entries: readonly CatalogEntry[]) {
  const services = await ipfs.pin.remote.service.ls();
  const counts: Record<string, Record<RemoteStatus | "none", number>> = {};
  const perEntry = entries.map((entry) => ({ tokenId: entry.tokenId.toString(), cid: entry.cid, status: {} as Record<string, RemoteStatus | "none"> }));
  const progress = new ProgressBar("remote status");
  for (const { service } of services) {
    counts[service] = { queued: 0, pinning: 0, pinned: 0, failed: 0, none: 0 };
    const found = new Map<string, RemoteStatus>();
    for (const batch of await lookUp(
      ipfs,
      service,
      entries.map((e) => e.cid),
    ))
      for (const [cid, status] of batch) found.set(cid, status);
    for (const row of perEntry) {
      const status = found.get(row.cid) ?? "none";
      row.status[service] = status;
      counts[service][status]++;
    }
    progress.update({ done: Object.keys(counts).length, total: services.length, current: service });
  }
  progress.finish();
  return { services: counts, entries: perEntry };
}

export async function runVerify(settings: TilSettings, options: { remote?: boolean } = {}): Promise<number> {
  const ipfs = await connectIpfs(settings);
  const chain = await connectChain(settings);
  try {
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const entries = await loadCatalog(chain, blockstore, false);
    const progress = new ProgressBar("verifying");
    const problems: Array<{ tokenId: string; revision: number; cid: string; problem: string }> = [];
    const copies: Array<{ tokenId: string; author: string; cid: string; namedAuthor: string }> = [];
    const tallies = new Map<string, GatewayTally>();
    let versions = 0;
    for (const [i, entry] of entries.entries()) {
      for (const [revision, cid] of entry.versions.entries()) {
        versions += 1;
        // One session per version: its counters hold this version's reads only.
        const session = blockstore.session();
        try {
          for (const file of await listEntryFiles(session, cid)) await readEntryFile(session, cid, file);
          let pinned = false;
          for await (const pin of ipfs.pin.ls({ paths: [cid], type: "recursive" })) pinned ||= pin.cid.toString() === cid;
          if (!pinned) throw new Error("not pinned by the IPFS node");
          if (revision === entry.versions.length - 1) {
            const named = await namedAuthor(session, cid);
            if (named !== undefined && named !== entry.author.toLowerCase())
              copies.push({ tokenId: entry.tokenId.toString(), author: entry.author, cid, namedAuthor: named });
          }
        } catch (error) {
          problems.push({ tokenId: entry.tokenId.toString(), revision, cid, problem: (error as Error).message });
          progress.log(`FAILED #${entry.sequence} version ${revision} ${cid}: ${(error as Error).message}`);
        } finally {
          addOutcomes(tallies, session);
        }
      }
      progress.update({ done: i + 1, total: entries.length });
    }
    progress.finish();
    const gateways = tallyList(blockstore.gateways, tallies);
    for (const line of describeTroubles(gateways)) console.error(`gateway skipped: ${line}`);
    const remote = options.remote ? await remoteStatuses(ipfs, entries) : undefined;
    console.log(
      terminalJson({
        ...(remote ? { remote } : {}),
        tokens: entries.length,
        versions,
        verified: versions - problems.length,
        failed: problems.length,
        problems,
        copies,
        gateways: gateways.map(({ gateway, served, failed, mismatched }) => ({ gateway, served, failed, mismatched })),
      }),
    );
    return problems.length > 0 ? EXIT_CODES.verificationFailed : EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}

/**
 * The author a version's metadata.json names (format v2), or undefined. Anyone can publish
 * anything: metadata that is not JSON names nobody (verification is about the blocks, not the shape).
 */
async function namedAuthor(session: ReturnType<VerifiedGatewayBlockstore["session"]>, cid: string): Promise<string | undefined> {
  try {
    return readEntryMetadata(JSON.parse(new TextDecoder().decode(await readEntryFile(session, cid, "metadata.json")))).author;
  } catch {
    return undefined;
  }
}
