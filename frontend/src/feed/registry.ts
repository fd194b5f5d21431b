/**
 * Reading the TodayILearned registry: the generated ABI (never a pasted copy) at the configured
 * address, through one viem public client.
 */
import { createPublicClient, http, type Address, type Hex } from "viem";
import { todayILearnedAbi } from "../../../core/contract/abi.generated.ts";
import { appChain } from "../wagmi.ts";
import { settings } from "../settings/settings.ts";

export const registry = { address: settings.contractAddress, abi: todayILearnedAbi } as const;

export const publicClient = createPublicClient({ chain: appChain, transport: http(settings.rpcUrl, { batch: { wait: 5 } }) });

/** The EntryPublished event of the generated ABI. */
export const entryPublishedEvent = todayILearnedAbi.find(
  (item): item is Extract<(typeof todayILearnedAbi)[number], { type: "event"; name: "EntryPublished" }> => item.type === "event" && item.name === "EntryPublished",
)!;

export interface EntryFacts {
  tokenId: bigint;
  author: Address;
  owner: Address;
  publishedAt: number;
  sequence: bigint;
  digest: Hex;
  tokenURI: string;
}

/** Author, owner, time, sequence, digest and tokenURI of a token (two calls, batched). */
export async function readEntryFacts(tokenId: bigint): Promise<EntryFacts> {
  const [entry, tokenURI] = await Promise.all([
    publicClient.readContract({ ...registry, functionName: "entry", args: [tokenId] }),
    publicClient.readContract({ ...registry, functionName: "tokenURI", args: [tokenId] }),
  ]);
  return {
    tokenId,
    author: entry.author,
    owner: entry.owner,
    publishedAt: Number(entry.publishedAt),
    sequence: entry.sequence,
    digest: entry.digest,
    tokenURI,
  };
}

/** Token ids published for a digest, oldest first (one log query on the indexed digest). */
export async function tokensOfDigest(digest: Hex): Promise<bigint[]> {
  const logs = await publicClient.getLogs({
    address: registry.address,
    event: entryPublishedEvent,
    args: { digest },
    fromBlock: BigInt(settings.deployBlock),
    toBlock: "latest",
  });
  return logs.map((log) => log.args.tokenId!);
}
