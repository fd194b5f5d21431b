/**
 * What the `til` commands connect to, each checked before use so a misconfiguration is reported
 * as what it is (see EXIT_CODES): the deployment (chain RPC + registry address), the author's key,
 * the IPFS RPC API and the gateways.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Wallet, type JsonRpcProvider } from "ethers";
import { create as createKuboClient, type KuboRPCClient } from "kubo-rpc-client";
import { hostPortUrl, type TilSettings } from "#core/config.ts";
import { DEPLOYMENT_FILE_NAME, parseDeployment, type Deployment } from "#core/contract/deployment.ts";
import { HARDHAT_FIRST_DEV_KEY, LOCAL_CHAIN_ID } from "#core/contract/local-chain.ts";
import { ChainError, checkDeployment, providerFor } from "../chain/registry.ts";
import { CliError, EXIT_CODES } from "./errors.ts";

export interface ChainContext {
  deployment: Deployment;
  provider: JsonRpcProvider;
}

/** Reads `<home>/deployment.json` (rpcUrl overridden by TIL_RPC_URL) and checks chain id and contract. */
export async function connectChain(settings: TilSettings, env = process.env): Promise<ChainContext> {
  const file = path.join(settings.home, DEPLOYMENT_FILE_NAME);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new CliError(
      EXIT_CODES.noContract,
      `No deployment file at ${file}. Start the local stack with \`npm start\` (it deploys the registry and writes this file), or point --home / TIL_HOME at the folder that has it.`,
    );
  }
  const deployment = parseDeployment(JSON.parse(text), file);
  if (env.TIL_RPC_URL) deployment.rpcUrl = env.TIL_RPC_URL;
  const provider = providerFor(deployment.rpcUrl, deployment.chainId);
  try {
    await checkDeployment(provider, deployment);
  } catch (error) {
    if (error instanceof ChainError) {
      const code = {
        CHAIN_UNREACHABLE: EXIT_CODES.chainUnreachable,
        WRONG_CHAIN: EXIT_CODES.wrongChain,
        NO_CONTRACT: EXIT_CODES.noContract,
        INSUFFICIENT_FUNDS: EXIT_CODES.insufficientFunds,
      }[error.code];
      provider.destroy();
      throw new CliError(code, error.message);
    }
    throw error;
  }
  return { deployment, provider };
}

/** The author's wallet: TIL_AUTHOR_KEY, or on the local chain Hardhat's first development account. */
export function authorWallet(chain: ChainContext, env = process.env): Wallet {
  const key = env.TIL_AUTHOR_KEY ?? (chain.deployment.chainId === LOCAL_CHAIN_ID ? HARDHAT_FIRST_DEV_KEY : undefined);
  if (!key) {
    throw new CliError(
      EXIT_CODES.usage,
      `Set TIL_AUTHOR_KEY to the private key of the account that publishes (chain ${chain.deployment.chainId} has no development accounts).`,
    );
  }
  try {
    return new Wallet(key, chain.provider);
  } catch {
    throw new CliError(EXIT_CODES.usage, "TIL_AUTHOR_KEY is not a private key (expected 0x followed by 64 hex digits).");
  }
}

/** How long one call of the IPFS RPC API may take (a pin fetching from the network included). */
export const IPFS_RPC_TIMEOUT_MS = 120_000;

/** A kubo-rpc-client for the configured IPFS RPC API, checked to answer. */
export async function connectIpfs(settings: TilSettings): Promise<KuboRPCClient> {
  const url = hostPortUrl(settings.ipfsApi);
  const client = createKuboClient({ url, timeout: IPFS_RPC_TIMEOUT_MS });
  try {
    await client.id({ signal: AbortSignal.timeout(5_000) });
  } catch (error) {
    throw new CliError(
      EXIT_CODES.ipfsUnreachable,
      `The IPFS RPC API at ${url} does not answer (${(error as Error).message}). Start the local stack with \`npm start\` (or \`npm run til -- ipfs daemon\`), or set TIL_IPFS_API to a Kubo-compatible node.`,
    );
  }
  return client;
}

/** Gateways to read through, in order: TIL_GATEWAYS (comma-separated URLs), else the local gateway. */
export function gatewayUrls(settings: TilSettings, env = process.env): string[] {
  const listed = (env.TIL_GATEWAYS ?? "")
    .split(",")
    .map((g) => g.trim())
    .filter(Boolean);
  return listed.length > 0 ? listed : [hostPortUrl(settings.ipfsGateway)];
}

/** True when an error means a network peer did not answer (connection refused, reset, timeout). */
export function isUnreachable(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ""} ${String((error as { cause?: unknown })?.cause ?? "")}`;
  // "terminated" / "other side closed": undici's words for a connection that died mid-response.
  return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|EPIPE|fetch failed|socket hang up|terminated|other side closed|premature close|timed? ?out|aborted/i.test(text);
}
