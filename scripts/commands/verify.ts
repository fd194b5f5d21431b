/**
 * `til verify`: for every token, the entry's content is retrievable through the gateways, every
 * block matches its CID, and the IPFS node pins it. Exit code 10 when any entry fails. Every
 * gateway that failed or returned wrong bytes is named on stderr and counted in the JSON summary
 * (`gateways: [{gateway, served, failed, mismatched}]`, in the configured order).
 */
import type { TilSettings } from "#core/config.ts";
import { listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { addOutcomes, describeTroubles, tallyList, type GatewayTally } from "../cli/gateway-report.ts";
import { terminalJson } from "../cli/terminal-text.ts";
import { connectChain, connectIpfs, gatewayUrls } from "../cli/context.ts";
import { EXIT_CODES } from "../cli/errors.ts";
import { ProgressBar } from "../cli/progress.ts";
import { loadCatalog } from "./entry-catalog.ts";

export async function runVerify(settings: TilSettings): Promise<number> {
  const ipfs = await connectIpfs(settings);
  const chain = await connectChain(settings);
  try {
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const entries = await loadCatalog(chain, blockstore, false);
    const progress = new ProgressBar("verifying");
    const problems: Array<{ tokenId: string; cid: string; problem: string }> = [];
    const tallies = new Map<string, GatewayTally>();
    for (const [i, entry] of entries.entries()) {
      // One session per entry: its counters hold this entry's reads only.
      const session = blockstore.session();
      try {
        for (const file of await listEntryFiles(session, entry.cid)) await readEntryFile(session, entry.cid, file);
        let pinned = false;
        for await (const pin of ipfs.pin.ls({ paths: [entry.cid], type: "recursive" })) pinned ||= pin.cid.toString() === entry.cid;
        if (!pinned) throw new Error("not pinned by the IPFS node");
      } catch (error) {
        problems.push({ tokenId: entry.tokenId.toString(), cid: entry.cid, problem: (error as Error).message });
        progress.log(`FAILED #${entry.sequence} ${entry.cid}: ${(error as Error).message}`);
      } finally {
        addOutcomes(tallies, session);
      }
      progress.update({ done: i + 1, total: entries.length });
    }
    progress.finish();
    const gateways = tallyList(blockstore.gateways, tallies);
    for (const line of describeTroubles(gateways)) console.error(`gateway skipped: ${line}`);
    console.log(
      terminalJson({
        tokens: entries.length,
        verified: entries.length - problems.length,
        failed: problems.length,
        problems,
        gateways: gateways.map(({ gateway, served, failed, mismatched }) => ({ gateway, served, failed, mismatched })),
      }),
    );
    return problems.length > 0 ? EXIT_CODES.verificationFailed : EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}
