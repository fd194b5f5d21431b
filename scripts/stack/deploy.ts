/** Deploys the registry to the local Hardhat node through its Ignition module (the one deployment path). */
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { network } from "hardhat";
import TodayILearnedModule from "../../ignition/modules/TodayILearned.ts";
import type { Deployment } from "#core/contract/deployment.ts";

/**
 * Ignition's journal for one start of the local stack. The local chain lives in memory, so each
 * start deploys anew and the journal is dropped afterwards; its id names the process, so stacks
 * started at the same time (other homes, other ports) never share one.
 */
const LOCAL_DEPLOYMENT_ID = `til-local-${process.pid}`;
const ignitionJournal = fileURLToPath(new URL(`../../ignition/deployments/${LOCAL_DEPLOYMENT_ID}`, import.meta.url));

/** Deploys with the Ignition module; `contractURI` (ERC-7572 collection metadata) overrides the module's default. */
export async function deployToLocalNode(rpcUrl: string, contractURI?: string): Promise<Deployment> {
  await rm(ignitionJournal, { recursive: true, force: true });
  const connection = await network.connect({ network: "localhost", override: { url: rpcUrl } });
  try {
    const deployBlock = await connection.ethers.provider.getBlockNumber();
    const { registry } = await connection.ignition.deploy(TodayILearnedModule, {
      deploymentId: LOCAL_DEPLOYMENT_ID,
      ...(contractURI !== undefined ? { parameters: { TodayILearned: { contractURI } } } : {}),
    });
    const { chainId } = await connection.ethers.provider.getNetwork();
    return { chainId: Number(chainId), address: (await registry.getAddress()) as `0x${string}`, rpcUrl, deployBlock };
  } finally {
    await connection.close();
    await rm(ignitionJournal, { recursive: true, force: true });
  }
}
