/**
 * Keeps the local chain's entries across restarts. The Hardhat node holds its chain in memory, so:
 * - while the stack runs, every EntryPublished event (from the CLI, the web app or anyone) is
 *   recorded in the journal;
 * - on start, entries recorded for an earlier deployment on this chain id are minted again for the
 *   same authors (the Hardhat node can send as any account), in their original order. Their
 *   content is still pinned in the IPFS repo, so every CID resolves as before.
 */
import type { JsonRpcProvider } from "ethers";
import type { Deployment } from "#core/contract/deployment.ts";
import { decodeEntryPublished, entryEvents, registryAt } from "../chain/registry.ts";
import { mintedRecord, type Journal } from "../publishing/journal.ts";

const RESTORE_BATCH = 200;

export interface RestoreResult {
  restored: number;
  authors: number;
}

/** Mints again, for the same authors, the entries the journal knows on this chain id but the new registry lacks. */
export async function restoreEntries(journal: Journal, provider: JsonRpcProvider, deployment: Deployment): Promise<RestoreResult> {
  const current = registryAt(deployment.address, provider);
  // A new local chain deploys to the same address, so ask the registry, not the journal, what it holds.
  const fresh = (await current.getFunction("totalEntries")()) === 0n;
  const byAuthor = new Map<string, string[]>();
  for (const entry of journal.mintedEntries(deployment.chainId)) {
    if (!fresh && (await current.getFunction("tokenOf")(entry.author, entry.digest)) !== 0n) continue;
    const digests = byAuthor.get(entry.author) ?? [];
    digests.push(entry.digest);
    byAuthor.set(entry.author, digests);
  }
  let restored = 0;
  for (const [author, digests] of byAuthor) {
    await provider.send("hardhat_impersonateAccount", [author]);
    const balance = await provider.getBalance(author);
    if (balance < 10n ** 17n) await provider.send("hardhat_setBalance", [author, "0xde0b6b3a7640000"]); // 1 ETH for gas
    const registry = registryAt(deployment.address, await provider.getSigner(author));
    for (let i = 0; i < digests.length; i += RESTORE_BATCH) {
      const batch = digests.slice(i, i + RESTORE_BATCH);
      const receipt = await (await registry.getFunction("publishBatch")(batch)).wait();
      const events = decodeEntryPublished(receipt!.logs);
      await journal.append(...events.map((e) => mintedRecord(deployment, e)));
      restored += events.length;
    }
    await provider.send("hardhat_stopImpersonatingAccount", [author]);
  }
  return { restored, authors: byAuthor.size };
}

/** Records every new EntryPublished event in the journal until the returned function is called. */
export function recordPublishedEntries(journal: Journal, provider: JsonRpcProvider, deployment: Deployment, intervalMs = 1_000): () => Promise<void> {
  const events = entryEvents(provider, deployment);
  let fromBlock = BigInt(deployment.deployBlock);
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const poll = async () => {
    const latest = await events.latestBlock();
    if (latest < fromBlock) return;
    const fresh = (await events.read(fromBlock, latest)).filter((e) => !journal.isMinted(deployment.address, e.author, e.digest));
    await journal.append(...fresh.map((e) => mintedRecord(deployment, e)));
    fromBlock = latest + 1n;
  };
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(poll).catch(() => {
      // The node is stopping or briefly busy; the next tick catches up from the same block.
    });
  }, intervalMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
    await poll().catch(() => {});
  };
}
