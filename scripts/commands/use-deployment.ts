/**
 * `til use-deployment --rpc-url URL [--address 0x...] [--deploy-block N]`: points the CLI (and the
 * app started by `npm start`'s tooling) at a registry on any EVM chain by writing
 * `<home>/deployment.json`. Without --address, the address comes from Ignition's record of the
 * deployment on that chain (ignition/deployments/chain-<id>/deployed_addresses.json).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TilSettings } from "#core/config.ts";
import { DEPLOYMENT_FILE_NAME, parseDeployment } from "#core/contract/deployment.ts";
import { checkDeployment, ChainError, providerFor } from "../chain/registry.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IGNITION_FUTURE = "TodayILearned#TodayILearned";

export async function runUseDeployment(settings: TilSettings, options: { rpcUrl?: string; address?: string; deployBlock?: string }): Promise<number> {
  if (!options.rpcUrl) throw new CliError(EXIT_CODES.usage, "Give the chain's JSON-RPC URL: npm run til -- use-deployment --rpc-url https://...");
  let chainId: number;
  try {
    const response = await fetch(options.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    chainId = Number(((await response.json()) as { result: string }).result);
    if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new Error(`eth_chainId answered ${chainId}`);
  } catch (error) {
    throw new CliError(EXIT_CODES.chainUnreachable, `The RPC at ${options.rpcUrl} does not answer eth_chainId (${(error as Error).message.split("\n")[0]}).`);
  }
  const provider = providerFor(options.rpcUrl, chainId);
  try {
    let address = options.address;
    if (!address) {
      const record = path.join(PROJECT_ROOT, "ignition", "deployments", `chain-${chainId}`, "deployed_addresses.json");
      try {
        address = (JSON.parse(await readFile(record, "utf8")) as Record<string, string>)[IGNITION_FUTURE];
      } catch {
        // reported below
      }
      if (!address) {
        throw new CliError(
          EXIT_CODES.noContract,
          `No --address given and Ignition has no ${IGNITION_FUTURE} deployment for chain ${chainId} (${record}). Deploy first: npx hardhat ignition deploy ignition/modules/TodayILearned.ts --network remote`,
        );
      }
    }
    const deployment = parseDeployment(
      { chainId, address, rpcUrl: options.rpcUrl, deployBlock: options.deployBlock === undefined ? 0 : Number(options.deployBlock) },
      "--address/--rpc-url/--deploy-block",
    );
    try {
      await checkDeployment(provider, deployment);
    } catch (error) {
      if (error instanceof ChainError) throw new CliError(error.code === "NO_CONTRACT" ? EXIT_CODES.noContract : EXIT_CODES.chainUnreachable, error.message);
      throw error;
    }
    await mkdir(settings.home, { recursive: true });
    const file = path.join(settings.home, DEPLOYMENT_FILE_NAME);
    await writeFile(file, `${JSON.stringify(deployment, null, 2)}\n`);
    console.log(`wrote ${file}: registry ${deployment.address} on chain ${chainId} via ${deployment.rpcUrl}`);
    return EXIT_CODES.ok;
  } finally {
    provider.destroy();
  }
}
