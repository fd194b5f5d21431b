/**
 * The wagmi config, created once from the app settings: one chain (the registry's), injected
 * wallets discovered through EIP-6963 plus the legacy `window.ethereum`, and, on the local
 * Hardhat chain only, the node's unlocked development accounts.
 */
import { createConfig, createConnector, http, injected, mock } from "wagmi";
import { defineChain, type Address } from "viem";
import { LOCAL_CHAIN_ID, settings } from "./settings/settings.ts";

export const appChain = defineChain({
  id: settings.chainId,
  name: settings.chainId === LOCAL_CHAIN_ID ? "TIL local (Hardhat)" : `Chain ${settings.chainId}`,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [settings.rpcUrl] } },
});

/**
 * The Hardhat node's first development accounts (from its public test mnemonic). Their keys are
 * published, so they exist only on chain 31337; the node signs for them (unlocked accounts).
 */
export const HARDHAT_DEV_ACCOUNTS: readonly Address[] = [
  "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
];

/** A connector that uses one of the local node's unlocked dev accounts (no browser wallet needed). */
function hardhatDevAccount(index: number) {
  const inner = mock({ accounts: [HARDHAT_DEV_ACCOUNTS[index]], features: { reconnect: true } });
  return createConnector((config) => ({
    ...inner(config),
    id: `til-hardhat-dev-${index}`,
    name: `Hardhat dev account #${index} (local chain only)`,
    type: "til-dev",
  }));
}

export const wagmiConfig = createConfig({
  chains: [appChain],
  multiInjectedProviderDiscovery: true,
  connectors: [
    injected({ shimDisconnect: true }),
    ...(settings.chainId === LOCAL_CHAIN_ID ? HARDHAT_DEV_ACCOUNTS.map((_, i) => hardhatDevAccount(i)) : []),
  ],
  transports: { [appChain.id]: http(settings.rpcUrl, { batch: { wait: 5 } }) },
});

declare module "wagmi" {
  interface Register {
    config: typeof wagmiConfig;
  }
}
