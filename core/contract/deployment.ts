/**
 * The deployed contract's address, the one generated file that says where the registry lives.
 * `npm start` writes it (`<home>/deployment.json`) after deploying through Ignition, and `til
 * use-deployment` for a registry on another chain; the CLI reads it. The web app never reads the
 * file: `npm start` hands it the same values in the page it serves (core/app-settings.ts), and a
 * build takes them from VITE_TIL_* variables. Browser-safe: only the shape and its validation live here.
 */

export const DEPLOYMENT_FILE_NAME = "deployment.json";

export interface Deployment {
  /** EIP-155 chain id of the chain the registry is deployed on. */
  chainId: number;
  /** Address of the TodayILearned contract. */
  address: `0x${string}`;
  /** JSON-RPC URL the deployer used (for the local stack, the Hardhat node). */
  rpcUrl: string;
  /** Block in which the contract was deployed: event queries start here. */
  deployBlock: number;
}

/** A deployment file that is missing fields or has malformed ones. */
class DeploymentFileError extends Error {
  static name = "DeploymentFileError";
  constructor(message: string) {
    super(message);
    this.name = "DeploymentFileError";
  }
}

/** Checks the shape of a parsed deployment file; throws {@link DeploymentFileError} naming the bad field. */
export function parseDeployment(value: unknown, source = DEPLOYMENT_FILE_NAME): Deployment {
  const bad = (field: string, want: string) =>
    new DeploymentFileError(`${source}: "${field}" must be ${want}. Run \`npm start\` (local) or deploy again to rewrite it.`);
  if (typeof value !== "object" || value === null) throw new DeploymentFileError(`${source} is not a JSON object.`);
  const v = value as Record<string, unknown>;
  if (!Number.isSafeInteger(v.chainId) || (v.chainId as number) <= 0) throw bad("chainId", "a positive integer");
  if (typeof v.address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v.address)) throw bad("address", "a 0x-prefixed 20-byte hex address");
  if (typeof v.rpcUrl !== "string" || !/^https?:\/\//.test(v.rpcUrl)) throw bad("rpcUrl", "an http(s) URL");
  if (!Number.isSafeInteger(v.deployBlock) || (v.deployBlock as number) < 0) throw bad("deployBlock", "a block number");
  return { chainId: v.chainId as number, address: v.address as `0x${string}`, rpcUrl: v.rpcUrl, deployBlock: v.deployBlock as number };
}
