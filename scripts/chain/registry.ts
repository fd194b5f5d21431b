/**
 * The CLI's view of the TodayILearned contract: an ethers Contract over the generated ABI at the
 * deployed address, the checks that turn a misconfigured chain into a clear error, and the ethers
 * adapter of the shared event reader (core/contract/registry-events.ts).
 */
import { Contract, JsonRpcProvider, Network, type ContractRunner, type Log } from "ethers";
import type { Address, Hex } from "viem";
import { todayILearnedAbi } from "#core/contract/abi.generated.ts";
import type { Deployment } from "#core/contract/deployment.ts";
import {
  decodeEntryPublished as decodeEvents,
  decodeEntryRevised as decodeRevisions,
  EntryEventReader,
  type EntryPublishedEvent,
  type EntryRevisedEvent,
  type LogSource,
  type RawLog,
} from "#core/contract/registry-events.ts";

/** The chain can't be used as configured; the message says what is wrong and what to do. */
export class ChainError extends Error {
  static name = "ChainError";
  readonly code: "CHAIN_UNREACHABLE" | "WRONG_CHAIN" | "NO_CONTRACT" | "INSUFFICIENT_FUNDS";
  constructor(code: ChainError["code"], message: string) {
    super(message);
    this.name = "ChainError";
    this.code = code;
  }
}

export function registryAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, todayILearnedAbi, runner);
}

/** A provider for the deployment's chain that fails fast instead of retrying forever. */
export function providerFor(rpcUrl: string, chainId?: number): JsonRpcProvider {
  // The chain id is given where it is known, so ethers does not probe (and log retries) on its own;
  // no response cache: nonces and tokenOf answers must be fresh after every mined transaction.
  const network = chainId === undefined ? undefined : Network.from(chainId);
  return new JsonRpcProvider(rpcUrl, network, { staticNetwork: network ?? true, batchMaxCount: 1, cacheTimeout: -1 });
}

/** Throws a {@link ChainError} unless the RPC answers, with the deployment's chain id, and holds code at its address. */
export async function checkDeployment(provider: JsonRpcProvider, deployment: Deployment): Promise<void> {
  let chainId: bigint;
  try {
    chainId = BigInt(await provider.send("eth_chainId", []));
  } catch (error) {
    throw new ChainError(
      "CHAIN_UNREACHABLE",
      `The chain RPC at ${deployment.rpcUrl} does not answer (${(error as Error).message.split("\n")[0]}). Start the local stack with \`npm start\`, or set TIL_RPC_URL to a reachable node.`,
    );
  }
  if (Number(chainId) !== deployment.chainId) {
    throw new ChainError(
      "WRONG_CHAIN",
      `The RPC at ${deployment.rpcUrl} serves chain ${chainId}, but the registry was deployed on chain ${deployment.chainId}. Point TIL_RPC_URL at chain ${deployment.chainId}, or deploy there.`,
    );
  }
  const code = await provider.getCode(deployment.address);
  if (code === "0x") {
    throw new ChainError(
      "NO_CONTRACT",
      `There is no contract at ${deployment.address} on chain ${chainId}. The local chain starts empty on every \`npm start\`: use the address it prints (it rewrites the deployment file), or deploy again.`,
    );
  }
}

/** An EntryPublished event as the CLI reads it (core/contract/registry-events.ts decodes it). */
export type PublishedEvent = EntryPublishedEvent;

/** The core reader's view of an ethers provider: eth_getLogs and eth_blockNumber. */
function ethersLogSource(provider: JsonRpcProvider): LogSource {
  return {
    getLogs: async ({ address, fromBlock, toBlock, topics }) => (await provider.getLogs({ address, topics, fromBlock, toBlock })).map(rawLogOf),
    blockNumber: async () => BigInt(await provider.getBlockNumber()),
  };
}

function rawLogOf(log: Log): RawLog {
  return {
    topics: log.topics as Hex[],
    data: log.data as Hex,
    blockNumber: BigInt(log.blockNumber),
    logIndex: log.index,
    transactionHash: log.transactionHash as Hex,
  };
}

/** The EntryPublished events among a receipt's logs. */
export function decodeEntryPublished(logs: readonly Log[]): PublishedEvent[] {
  return decodeEvents(logs.map(rawLogOf));
}

/** The EntryRevised events among a receipt's logs. */
export function decodeEntryRevised(logs: readonly Log[]): EntryRevisedEvent[] {
  return decodeRevisions(logs.map(rawLogOf));
}

/** The registry's event reader over `provider` (its block ranges adapt to the RPC's limits). */
export function entryEvents(provider: JsonRpcProvider, deployment: Deployment): EntryEventReader {
  return new EntryEventReader(ethersLogSource(provider), deployment.address);
}

/**
 * The CIDs of every token's revisions, version 1 first, from the registry's EntryRevised events
 * since the deploy block (tokens never revised are absent).
 */
export async function listRevisions(provider: JsonRpcProvider, deployment: Deployment): Promise<Map<bigint, string[]>> {
  const revisions = new Map<bigint, string[]>();
  for (const r of await entryEvents(provider, deployment).readRevisions(BigInt(deployment.deployBlock))) {
    const list = revisions.get(r.tokenId) ?? [];
    list[Number(r.revision) - 1] = r.cid;
    revisions.set(r.tokenId, list);
  }
  return revisions;
}

/**
 * Every published entry, oldest first, from the registry's EntryPublished events since the deploy
 * block, optionally narrowed to one author or one digest. The position in the list is the entry's
 * sequence number.
 */
export async function listPublishedEntries(
  provider: JsonRpcProvider,
  deployment: Deployment,
  filter: { author?: string; digest?: string } = {},
): Promise<PublishedEvent[]> {
  return entryEvents(provider, deployment).read(BigInt(deployment.deployBlock), undefined, {
    author: filter.author as Address | undefined,
    digest: filter.digest as Hex | undefined,
  });
}
