/**
 * Headless Chromium (Debian's) through playwright-core, and a test wallet: an EIP-1193 provider
 * announced through EIP-6963 that forwards requests to the Hardhat node, whose dev accounts are
 * unlocked. Tests steer it through `window.__testWallet` (reject the next request, report another chain).
 */
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { HARDHAT_DEV_ACCOUNTS } from "#core/contract/local-chain.ts";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const DEV_ACCOUNT = HARDHAT_DEV_ACCOUNTS[0];

export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), "til-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1200, height: 900 },
  });
  return { context, close: () => context.close() };
}

export interface TestWalletOptions {
  rpcUrl: string;
  account?: string;
  /** Chain id the wallet reports at first (default: the node's, 31337). */
  chainId?: number;
}

/** The wallet's page-side code (serialised into the page by addInitScript). */
function installTestWallet(config: { rpcUrl: string; account: string; chainId: number }) {
  // "Connected" survives reloads like a real wallet's site permission.
  const state = {
    chainId: config.chainId,
    connected: sessionStorage.getItem("testWallet.connected") === "1",
    rejectNext: "" as string,
    requests: [] as string[],
    /** Chains the wallet knows (null: any); switching to another one fails with 4902, like MetaMask. */
    knownChains: null as number[] | null,
    /** wallet_addEthereumChain parameters received. */
    addedChains: [] as Array<{ chainId: string; chainName?: string; rpcUrls?: string[] }>,
  };
  const setConnected = (value: boolean) => {
    state.connected = value;
    sessionStorage.setItem("testWallet.connected", value ? "1" : "0");
  };
  const listeners = new Map<string, Set<(value: unknown) => void>>();
  const emit = (event: string, value: unknown) => {
    for (const fn of listeners.get(event) ?? []) fn(value);
  };
  const rpcError = (code: number, message: string) => Object.assign(new Error(message), { code });
  const forward = async (method: string, params: unknown) => {
    const response = await fetch(config.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: params ?? [] }),
    });
    const json = await response.json();
    if (json.error) throw Object.assign(new Error(json.error.message), { code: json.error.code, data: json.error.data });
    return json.result;
  };
  const hex = (n: number) => `0x${n.toString(16)}`;
  const provider = {
    async request({ method, params }: { method: string; params?: unknown[] }): Promise<unknown> {
      state.requests.push(method);
      if (state.rejectNext && (state.rejectNext === method || state.rejectNext === "*")) {
        state.rejectNext = "";
        throw rpcError(4001, "User rejected the request.");
      }
      switch (method) {
        case "eth_chainId":
          return hex(state.chainId);
        case "net_version":
          return String(state.chainId);
        case "eth_requestAccounts":
          setConnected(true);
          emit("connect", { chainId: hex(state.chainId) });
          return [config.account];
        case "eth_accounts":
          return state.connected ? [config.account] : [];
        case "wallet_requestPermissions":
          setConnected(true);
          return [{ parentCapability: "eth_accounts" }];
        case "wallet_getPermissions":
          return state.connected ? [{ parentCapability: "eth_accounts" }] : [];
        case "wallet_revokePermissions":
          setConnected(false);
          return null;
        case "wallet_switchEthereumChain": {
          const id = Number.parseInt((params?.[0] as { chainId: string } | undefined)?.chainId ?? "", 16);
          if (state.knownChains && !state.knownChains.includes(id))
            throw rpcError(4902, `Unrecognized chain ID "${hex(id)}". Try adding the chain using wallet_addEthereumChain first.`);
          state.chainId = id;
          emit("chainChanged", hex(id));
          return null;
        }
        case "wallet_addEthereumChain": {
          // Like MetaMask: remember the chain, then (the user agreeing) switch to it.
          const chain = params?.[0] as { chainId: string; chainName?: string; rpcUrls?: string[] };
          state.addedChains.push(chain);
          const id = Number.parseInt(chain.chainId, 16);
          state.knownChains?.push(id);
          state.chainId = id;
          emit("chainChanged", hex(id));
          return null;
        }
        case "eth_sendTransaction":
          if (state.chainId !== 31337) throw rpcError(4901, `The wallet is on chain ${state.chainId}.`);
          return forward(method, params);
        default:
          return forward(method, params);
      }
    },
    on(event: string, fn: (value: unknown) => void) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(fn);
    },
    removeListener(event: string, fn: (value: unknown) => void) {
      listeners.get(event)?.delete(fn);
    },
  };
  /** The user switching networks in the wallet. */
  const setChain = (id: number) => {
    state.chainId = id;
    emit("chainChanged", hex(id));
  };
  (window as unknown as { __testWallet: unknown }).__testWallet = Object.assign(state, { setChain });
  const info = {
    uuid: "6f1e2d3c-0000-4000-8000-000000000001",
    name: "Test Wallet",
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 1 1'/%3E",
    rdns: "org.til.testwallet",
  };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
}

export async function addTestWallet(target: Page | BrowserContext, options: TestWalletOptions): Promise<void> {
  await target.addInitScript(installTestWallet, { rpcUrl: options.rpcUrl, account: options.account ?? DEV_ACCOUNT, chainId: options.chainId ?? 31337 });
}

/** A page that records dialogs and uncaught errors. */
export async function openPage(context: BrowserContext): Promise<{ page: Page; dialogs: string[]; errors: string[] }> {
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, dialogs, errors };
}

/**
 * Connects the app on `page` (any of its pages) from the header's Connect menu: the EIP-6963 test
 * wallet {@link addTestWallet} installed, or the app's Hardhat dev account number `devAccount`;
 * returns once the account shows.
 */
export async function connectWallet(page: Page, choice: "test wallet" | { devAccount: number } = "test wallet"): Promise<void> {
  await page.getByRole("button", { name: "Connect wallet" }).click();
  const item = choice === "test wallet" ? page.getByRole("menuitem", { name: "Test Wallet" }) : page.getByTestId(`til-hardhat-dev-${choice.devAccount}`);
  await item.click();
  await page.getByTestId("account").waitFor();
}

/** A note as the editor's fields take it; fields left out are not touched. */
export interface EditorFields {
  title?: string;
  date?: string;
  tags?: string;
  body?: string;
}

/** Fills the editor's fields (the app on its #/write page) with the given ones, in the form's order. */
export async function fillEditor(page: Page, note: EditorFields): Promise<void> {
  for (const field of ["title", "date", "tags", "body"] as const) {
    const value = note[field];
    if (value !== undefined) await page.getByTestId(field).fill(value);
  }
}

export type { Browser, BrowserContext, Page };
