/**
 * The CLI's view of the TodayILearned contract: an ethers Contract over the generated ABI at the
 * deployed address, plus the checks that turn a misconfigured chain into a clear error.
 */
import { Contract, Interface, JsonRpcProvider, Network, type ContractRunner, type Log } from "ethers";
import { todayILearnedAbi } from "../../core/contract/abi.generated.ts";
import type { Deployment } from "../../core/contract/deployment.ts";
import { digestToCid } from "../../core/cid.ts";

export const registryInterface = new Interface(todayILearnedAbi);
export const ENTRY_PUBLISHED_TOPIC = registryInterface.getEvent("EntryPublished")!.topicHash;

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

export interface PublishedEvent {
  tokenId: bigint;
  author: string;
  digest: string;
  cid: string;
  txHash: string;
  block: number;
}

/** Decodes EntryPublished logs. */
export function decodeEntryPublished(logs: readonly Log[]): PublishedEvent[] {
  const out: PublishedEvent[] = [];
  for (const log of logs) {
    if (log.topics[0] !== ENTRY_PUBLISHED_TOPIC) continue;
    const parsed = registryInterface.parseLog(log)!;
    const digest = parsed.args.digest as string;
    out.push({
      tokenId: parsed.args.tokenId as bigint,
      author: parsed.args.author as string,
      digest,
      cid: digestToCid(digest),
      txHash: log.transactionHash,
      block: log.blockNumber,
    });
  }
  return out;
}

/** Blocks per eth_getLogs request: public RPCs cap the range; a local node does not mind. */
const LOG_RANGE = 10_000;

/**
 * Every published entry, oldest first, from the registry's EntryPublished events: one log query
 * per block range, optionally narrowed to one author or one digest by the indexed topics.
 * The position in the list is the entry's sequence number.
 */
export async function listPublishedEntries(
  provider: JsonRpcProvider,
  deployment: Deployment,
  filter: { author?: string; digest?: string } = {},
): Promise<PublishedEvent[]> {
  // topics: [event, tokenId, author, digest]
  const topics: (string | null)[] = [ENTRY_PUBLISHED_TOPIC, null, null, null];
  if (filter.author) topics[2] = `0x${filter.author.toLowerCase().replace(/^0x/, "").padStart(64, "0")}`;
  if (filter.digest) topics[3] = filter.digest.toLowerCase();
  while (topics.at(-1) === null) topics.pop();
  const latest = await provider.getBlockNumber();
  const out: PublishedEvent[] = [];
  for (let from = deployment.deployBlock; from <= latest; from += LOG_RANGE) {
    const logs = await provider.getLogs({ address: deployment.address, topics, fromBlock: from, toBlock: Math.min(latest, from + LOG_RANGE - 1) });
    out.push(...decodeEntryPublished(logs));
  }
  return out;
}
