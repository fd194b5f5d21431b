/**
 * The wagmi config, created once from the app settings: one chain (the registry's), injected
 * wallets discovered through EIP-6963 plus the legacy `window.ethereum`, and, on the local
 * Hardhat chain only, the node's unlocked development accounts.
 */
import { createConfig, createConnector, http, injected, mock } from "wagmi";
import { defineChain } from "viem";
import { HARDHAT_DEV_ACCOUNTS, LOCAL_CHAIN_ID } from "#core/contract/local-chain.ts";
import { settings } from "./settings/settings.ts";

export const appChain = defineChain({
  id: settings.chainId,
  name: settings.chainId === LOCAL_CHAIN_ID ? "TIL local (Hardhat)" : `Chain ${settings.chainId}`,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [settings.rpcUrl] } },
});

/** A connector that uses one of the local node's unlocked dev accounts (chain 31337 only; no browser wallet needed). */
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
  connectors: [injected({ shimDisconnect: true }), ...(settings.chainId === LOCAL_CHAIN_ID ? HARDHAT_DEV_ACCOUNTS.map((_, i) => hardhatDevAccount(i)) : [])],
  transports: { [appChain.id]: http(settings.rpcUrl, { batch: { wait: 5 } }) },
});

declare module "wagmi" {
  interface Register {
    config: typeof wagmiConfig;
  }
}
