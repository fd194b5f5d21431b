/**
 * The local Hardhat chain `npm start` runs: its chain id and the development accounts the Hardhat
 * node unlocks. Their keys come from Hardhat's public test mnemonic, so anyone can spend from them:
 * they are offered and used on chain 31337 only. Browser-safe.
 */
import type { Address, Hex } from "viem";

/** Chain id of the Hardhat node (and of any chain those dev accounts may be used on). */
export const LOCAL_CHAIN_ID = 31337;

/** The Hardhat node's first development accounts, in its order (the CLI publishes as the first). */
export const HARDHAT_DEV_ACCOUNTS: readonly Address[] = [
  "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
];

/** Private key of {@link HARDHAT_DEV_ACCOUNTS}[0]: a published test key, for chain 31337 only. */
export const HARDHAT_FIRST_DEV_KEY: Hex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
