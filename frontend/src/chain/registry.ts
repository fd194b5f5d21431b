/**
 * The app's contract client, shared by the feed, the entry page and the editor: the generated ABI
 * (never a pasted copy) at the configured address, one viem public client, and the shared
 * EntryPublished reader (core/contract/registry-events.ts) driven through that client.
 */
import { createPublicClient, hexToBigInt, http, numberToHex, type Address, type BaseError, type Hex } from "viem";
import { todayILearnedAbi } from "#core/contract/abi.generated.ts";
import { EntryEventReader, type LogSource } from "#core/contract/registry-events.ts";
import { appChain } from "../wagmi.ts";
import { settings } from "../settings/settings.ts";

export const registry = { address: settings.contractAddress, abi: todayILearnedAbi } as const;

export const publicClient = createPublicClient({ chain: appChain, transport: http(settings.rpcUrl, { batch: { wait: 5 } }) });

/** An HTTP 429 (a public RPC's rate limit) anywhere in viem's error chain. */
const rateLimited = (error: unknown): boolean => Boolean((error as BaseError).walk?.((e) => (e as { status?: number }).status === 429));

/**
 * The core reader's view of the public client: eth_getLogs and eth_blockNumber, uncached. A refused
 * log query is not retried here: the reader asks again at once for a smaller range. A rate-limited
 * one (HTTP 429) is asked again, unchanged, after a pause that doubles (a range is not the problem).
 */
const logSource: LogSource = {
  async getLogs({ address, fromBlock, toBlock, topics }) {
    const query = () =>
      publicClient.request(
        { method: "eth_getLogs", params: [{ address, fromBlock: numberToHex(fromBlock), toBlock: numberToHex(toBlock), topics }] },
        { retryCount: 0 },
      );
    let logs: Awaited<ReturnType<typeof query>>;
    for (let attempt = 0; ; attempt++) {
      try {
        logs = await query();
        break;
      } catch (error) {
        if (!rateLimited(error) || attempt >= 6) throw error;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
    return logs.map((log) => ({
      topics: log.topics,
      data: log.data,
      blockNumber: hexToBigInt(log.blockNumber!),
      logIndex: Number(log.logIndex),
      transactionHash: log.transactionHash!,
    }));
  },
  blockNumber: () => publicClient.getBlockNumber({ cacheTime: 0 }),
};

/** The registry's EntryPublished events (block ranges adapt to the RPC's limits). */
export const entryEvents = new EntryEventReader(logSource, registry.address);

/** The block the registry was deployed in: event queries start here. */
export const deployBlock = (): bigint => BigInt(settings.deployBlock);

/** The hash of the deploy block: names this registry's history (a restarted local chain has another). */
export async function deployBlockHash(): Promise<Hex> {
  const block = await publicClient.getBlock({ blockNumber: deployBlock() });
  return block.hash!;
}

export interface EntryFacts {
  tokenId: bigint;
  author: Address;
  owner: Address;
  publishedAt: number;
  sequence: bigint;
  /** The latest version's digest. */
  digest: Hex;
  /** Revisions published (versions are numbered 0, as first published, to this). */
  revisionCount: number;
  tokenURI: string;
}

/** Author, owner, time, sequence, latest digest, revision count and tokenURI of a token (two calls, batched). */
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
    revisionCount: Number(entry.revisionCount),
    tokenURI,
  };
}
