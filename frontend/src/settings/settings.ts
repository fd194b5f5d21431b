/**
 * The app's settings, each from the first of: what the user saved in the Settings panel
 * (localStorage), what the server that served the page handed over (`npm start` does, see
 * core/app-settings.ts), the build's VITE_TIL_* variables, local-stack defaults. Changing them
 * reloads the app, so every client (wagmi, viem, gateways) is created once from one consistent set.
 */
import { parseServedSettings, SERVED_SETTINGS_ELEMENT_ID, type ServedAppSettings } from "#core/app-settings.ts";
import { LOCAL_CHAIN_ID } from "#core/contract/local-chain.ts";

export interface AppSettings {
  chainId: number;
  rpcUrl: string;
  contractAddress: `0x${string}`;
  /** Block the registry was deployed in; event queries start here. */
  deployBlock: number;
  /** Kubo RPC API base URL (pinning). */
  ipfsApiUrl: string;
  /** Optional `Authorization` header value for the Kubo RPC API (e.g. "Bearer ..."). */
  ipfsApiAuth: string;
  /** Gateways to read from, in order; every block they serve is verified against its CID. */
  gateways: string[];
  /** Public gateway for "open on a gateway" links. */
  publicGateway: string;
}

export const SETTINGS_STORAGE_KEY = "til.settings";

type Env = Record<string, string | boolean | undefined>;

/** Settings from the build's environment (VITE_TIL_*), with local-stack defaults. */
export function settingsFromEnv(env: Env): AppSettings {
  const text = (key: string, fallback: string): string => {
    const value = env[key];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : fallback;
  };
  return {
    chainId: Number(text("VITE_TIL_CHAIN_ID", String(LOCAL_CHAIN_ID))),
    rpcUrl: text("VITE_TIL_RPC_URL", "http://127.0.0.1:8545"),
    contractAddress: text("VITE_TIL_CONTRACT_ADDRESS", "0x5FbDB2315678afecb367f032d93F642f64180aa3") as `0x${string}`,
    deployBlock: Number(text("VITE_TIL_DEPLOY_BLOCK", "0")),
    ipfsApiUrl: text("VITE_TIL_IPFS_API", "http://127.0.0.1:5001"),
    // Never from the build: a token in a VITE_TIL_* variable would be in the bundle (vite.config.ts refuses it).
    ipfsApiAuth: "",
    gateways: splitList(text("VITE_TIL_GATEWAYS", "http://127.0.0.1:8080,https://trustless-gateway.link,https://ipfs.io")),
    publicGateway: text("VITE_TIL_PUBLIC_GATEWAY", "https://ipfs.io"),
  };
}

export function splitList(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((item) => item.trim().replace(/\/+$/, ""))
    .filter(Boolean);
}

/** A problem per field, empty when the settings are usable. */
export function validateSettings(s: AppSettings): Partial<Record<keyof AppSettings, string>> {
  const problems: Partial<Record<keyof AppSettings, string>> = {};
  const isHttp = (url: string) => /^https?:\/\/[^\s/]+/.test(url);
  if (!Number.isSafeInteger(s.chainId) || s.chainId <= 0) problems.chainId = "a positive whole number (31337 for the local Hardhat node)";
  if (!isHttp(s.rpcUrl)) problems.rpcUrl = "an http(s) URL";
  if (!/^0x[0-9a-fA-F]{40}$/.test(s.contractAddress)) problems.contractAddress = "0x followed by 40 hex digits";
  if (!Number.isSafeInteger(s.deployBlock) || s.deployBlock < 0) problems.deployBlock = "a block number (0 or more)";
  if (!isHttp(s.ipfsApiUrl)) problems.ipfsApiUrl = "an http(s) URL";
  if (s.gateways.length === 0 || !s.gateways.every(isHttp)) problems.gateways = "one or more http(s) URLs";
  if (!isHttp(s.publicGateway)) problems.publicGateway = "an http(s) URL";
  return problems;
}

/** The build's settings overridden by the served ones (a served field that fails validation is ignored). */
export function defaultSettings(env: Env, served: ServedAppSettings = {}): AppSettings {
  const built = settingsFromEnv(env);
  const defaults = { ...built, ...served } as AppSettings;
  for (const key of Object.keys(validateSettings(defaults)) as (keyof AppSettings)[]) (defaults as unknown as Record<string, unknown>)[key] = built[key];
  return defaults;
}

/** Defaults ({@link defaultSettings}) overridden by the saved settings (fields that fail validation fall back). */
export function loadSettings(env: Env, storage: Pick<Storage, "getItem"> | undefined, served: ServedAppSettings = {}): AppSettings {
  const defaults = defaultSettings(env, served);
  let saved: Partial<AppSettings> = {};
  try {
    saved = JSON.parse(storage?.getItem(SETTINGS_STORAGE_KEY) ?? "{}") as Partial<AppSettings>;
  } catch {
    saved = {};
  }
  const merged = { ...defaults, ...saved } as AppSettings;
  const problems = validateSettings(merged);
  for (const key of Object.keys(problems) as (keyof AppSettings)[]) (merged as unknown as Record<string, unknown>)[key] = defaults[key];
  return merged;
}

export function saveSettings(settings: AppSettings, storage: Pick<Storage, "setItem">): void {
  storage.setItem(SETTINGS_STORAGE_KEY, JSON.stringify(settings));
}

export function resetSettings(storage: Pick<Storage, "removeItem">): void {
  storage.removeItem(SETTINGS_STORAGE_KEY);
}

/** What the server of this page handed over (nothing when the page came from elsewhere). */
export const servedSettings: ServedAppSettings =
  typeof document === "undefined" ? {} : parseServedSettings(document.getElementById(SERVED_SETTINGS_ELEMENT_ID)?.textContent);

/** The settings this page runs with. */
export const settings: AppSettings = loadSettings(import.meta.env as Env, typeof localStorage === "undefined" ? undefined : localStorage, servedSettings);
