/**
 * Keeps the local chain's entries across restarts. The Hardhat node holds its chain in memory, so:
 * - while the stack runs, every EntryPublished and EntryRevised event (from the CLI, the web app
 *   or anyone) is recorded in the journal;
 * - on start, entries recorded for an earlier deployment on this chain id are minted again for the
 *   same authors (the Hardhat node can send as any account), in their original order, with their
 *   note keys, and then their revisions, in order. Registry v2 token ids depend only on the author
 *   and the first digest, so they come back the same. Their content is still pinned in the IPFS
 *   repo, so every CID resolves as before. Entries journaled by a v1 registry come back without
 *   note keys (their revisions cannot be found by note; publish them again to revise them).
 */
import type { JsonRpcProvider } from "ethers";
import type { Deployment } from "#core/contract/deployment.ts";
import { authorOfTokenId } from "#core/contract/token-id.ts";
import { decodeEntryPublished, decodeEntryRevised, entryEvents, registryAt } from "../chain/registry.ts";
import { mintedRecord, revisedRecord, type Journal } from "../publishing/journal.ts";

const RESTORE_BATCH = 200;

export interface RestoreResult {
  restored: number;
  /** Revisions published again. */
  revisions: number;
  authors: number;
}

const ZERO_KEY = `0x${"0".repeat(64)}`;

/** Mints again, for the same authors, the entries the journal knows on this chain id but the new registry lacks. */
export async function restoreEntries(journal: Journal, provider: JsonRpcProvider, deployment: Deployment): Promise<RestoreResult> {
  const current = registryAt(deployment.address, provider);
  // A new local chain deploys to the same address, so ask the registry, not the journal, what it holds.
  const fresh = (await current.getFunction("totalEntries")()) === 0n;
  const byAuthor = new Map<string, { digests: string[]; noteKeys: string[] }>();
  for (const entry of journal.mintedEntries(deployment.chainId)) {
    if (!fresh && (await current.getFunction("tokenOf")(entry.author, entry.digest)) !== 0n) continue;
    const batch = byAuthor.get(entry.author) ?? { digests: [], noteKeys: [] };
    batch.digests.push(entry.digest);
    batch.noteKeys.push(entry.noteKey ?? ZERO_KEY);
    byAuthor.set(entry.author, batch);
  }
  // Revisions whose token exists (now) and lacks them, in their order.
  const revisionsByAuthor = new Map<string, { tokenId: bigint; digest: string }[]>();
  const known = new Map<bigint, bigint>();
  for (const r of journal.revisions(deployment.chainId)) {
    const tokenId = BigInt(r.tokenId);
    const list = revisionsByAuthor.get(r.author) ?? [];
    list.push({ tokenId, digest: r.digest });
    revisionsByAuthor.set(r.author, list);
    known.set(tokenId, 0n);
  }
  let restored = 0;
  let revisions = 0;
  for (const author of new Set([...byAuthor.keys(), ...revisionsByAuthor.keys()])) {
    await provider.send("hardhat_impersonateAccount", [author]);
    const balance = await provider.getBalance(author);
    if (balance < 10n ** 17n) await provider.send("hardhat_setBalance", [author, "0xde0b6b3a7640000"]); // 1 ETH for gas
    const registry = registryAt(deployment.address, await provider.getSigner(author));
    const { digests, noteKeys } = byAuthor.get(author) ?? { digests: [], noteKeys: [] };
    for (let i = 0; i < digests.length; i += RESTORE_BATCH) {
      const receipt = await (await registry.getFunction("publishBatch")(digests.slice(i, i + RESTORE_BATCH), noteKeys.slice(i, i + RESTORE_BATCH))).wait();
      const events = decodeEntryPublished(receipt!.logs);
      await journal.append(...events.map((e) => mintedRecord(deployment, e)));
      restored += events.length;
    }
    // A journal line repeats a revision the registry holds already (a restart of a restart): skip
    // as many of each token's revisions as it has.
    for (const { tokenId, digest } of revisionsByAuthor.get(author) ?? []) {
      const have = await revisionCountOf(current, tokenId);
      if (have === undefined) continue; // the token is not on this chain (its entry was not journaled)
      const seen = known.get(tokenId)! + 1n;
      known.set(tokenId, seen);
      if (seen <= have) continue;
      const receipt = await (await registry.getFunction("revise")(tokenId, digest)).wait();
      await journal.append(...decodeEntryRevised(receipt!.logs).map((e) => revisedRecord(deployment, author, e)));
      revisions += 1;
    }
    await provider.send("hardhat_stopImpersonatingAccount", [author]);
  }
  return { restored, revisions, authors: byAuthor.size };
}

/** How many revisions `tokenId` has, or undefined when it does not exist. */
async function revisionCountOf(registry: ReturnType<typeof registryAt>, tokenId: bigint): Promise<bigint | undefined> {
  try {
    return (await registry.getFunction("revisionCount")(tokenId)) as bigint;
  } catch {
    return undefined;
  }
}

/** Records every new EntryPublished and EntryRevised event in the journal until the returned function is called. */
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
    const revised = (await events.readRevisions(fromBlock, latest)).filter((e) => !journal.isRevised(deployment.address, e.tokenId, e.revision));
    await journal.append(...revised.map((e) => revisedRecord(deployment, authorOfTokenId(e.tokenId), e)));
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
