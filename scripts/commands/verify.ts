/**
 * `til verify`: for every token, the entry's content is retrievable through the gateways, every
 * block matches its CID, and the IPFS node pins it. Exit code 10 when any entry fails.
 */
import type { TilSettings } from "../../core/config.ts";
import { listEntryFiles, readEntryFile } from "../../core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "../../core/retrieve/verified-blockstore.ts";
import { connectChain, connectIpfs, gatewayUrls } from "../publishing/context.ts";
import { EXIT_CODES } from "../publishing/errors.ts";
import { ProgressBar } from "../publishing/progress.ts";
import { loadCatalog } from "./entry-catalog.ts";

export async function runVerify(settings: TilSettings): Promise<number> {
  const ipfs = await connectIpfs(settings);
  const chain = await connectChain(settings);
  try {
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const entries = await loadCatalog(chain, blockstore, false);
    const progress = new ProgressBar("verifying");
    const problems: Array<{ tokenId: string; cid: string; problem: string }> = [];
    for (const [i, entry] of entries.entries()) {
      try {
        for (const file of await listEntryFiles(blockstore, entry.cid)) await readEntryFile(blockstore, entry.cid, file);
        let pinned = false;
        for await (const pin of ipfs.pin.ls({ paths: [entry.cid], type: "recursive" })) pinned ||= pin.cid.toString() === entry.cid;
        if (!pinned) throw new Error("not pinned by the IPFS node");
      } catch (error) {
        problems.push({ tokenId: entry.tokenId.toString(), cid: entry.cid, problem: (error as Error).message });
        progress.log(`FAILED #${entry.sequence} ${entry.cid}: ${(error as Error).message}`);
      }
      progress.update({ done: i + 1, total: entries.length });
    }
    progress.finish();
    console.log(JSON.stringify({ tokens: entries.length, verified: entries.length - problems.length, failed: problems.length, problems }));
    return problems.length > 0 ? EXIT_CODES.verificationFailed : EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}
