/**
 * The node's network settings, the one place they are resolved (flag > environment > default), as
 * Kubo's defaults are: online, TCP on port 4001 and WebSockets beside it, the public bootstrap
 * peers, the DHT in "auto" mode, the pinned roots announced every 22 hours.
 *
 * Tests, benchmarks and CI never take these defaults: they run `--offline` or `--bootstrap none`
 * with loopback listeners on free ports (nothing in them may reach the public network).
 */
import { SettingsError } from "#core/config.ts";

type DhtMode = "auto" | "client" | "server" | "lan";

export interface NetworkSettings {
  /** No libp2p at all: missing blocks fail at once (504), nothing is announced. */
  offline: boolean;
  /** Multiaddrs to listen on. */
  swarm: string[];
  /** Peers (multiaddrs ending in /p2p/<peer ID>) dialled at start and kept connected. */
  bootstrap: string[];
  /**
   * Kad-DHT mode. auto: a client until the node learns it has a public address, then a server (as
   * Kubo's "auto"); client / server: forced; lan: a server that keeps private and loopback
   * addresses in its records (a private network or a test on one machine).
   */
  dht: DhtMode;
  /** HTTP trustless gateways asked for missing blocks (each block is checked against its CID). */
  trustlessGateways: string[];
  /** How often the pinned roots are announced again (Kubo's Reprovider.Interval). */
  provideIntervalMs: number;
  /** How long a read waits for a missing block from the network before it fails (504). */
  fetchTimeoutMs: number;
  /** Most open connections (the connection manager closes the least useful beyond it). */
  maxConnections: number;
  /** Most streams per protocol and connection, each way. */
  maxStreams: number;
}

/** The flags `til ipfs daemon` and `npm start` take; each overrides its environment variable. */
export interface NetworkFlags {
  offline?: boolean;
  swarm?: string;
  bootstrap?: string;
  dht?: string;
  trustlessGateways?: string;
  provideInterval?: string;
  fetchTimeout?: string;
  maxConnections?: string;
}

export const NETWORK_ENV = {
  offline: "TIL_IPFS_OFFLINE",
  swarm: "TIL_IPFS_SWARM",
  bootstrap: "TIL_IPFS_BOOTSTRAP",
  dht: "TIL_IPFS_DHT",
  trustlessGateways: "TIL_IPFS_TRUSTLESS_GATEWAYS",
  provideInterval: "TIL_IPFS_PROVIDE_INTERVAL",
  fetchTimeout: "TIL_IPFS_FETCH_TIMEOUT",
  maxConnections: "TIL_IPFS_MAX_CONNECTIONS",
} as const;

/** Kubo's default Addresses.Swarm for TCP and a WebSocket listener beside it (Kubo serves WebSockets on 4001 too; here it gets its own port). */
const DEFAULT_SWARM = ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001", "/ip4/0.0.0.0/tcp/4002/ws"];

/** Kubo's default Bootstrap list (the public bootstrap nodes run by Protocol Labs). */
const PUBLIC_BOOTSTRAP = [
  "/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN",
  "/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa",
  "/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb",
  "/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt",
  "/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ",
];

/** Kubo's Reprovider.Interval. */
const DEFAULT_PROVIDE_INTERVAL_MS = 22 * 3600_000;
const DEFAULT_FETCH_TIMEOUT_MS = 60_000;
/** Kubo's ConnMgr.HighWater. */
const DEFAULT_MAX_CONNECTIONS = 96;
const DEFAULT_MAX_STREAMS = 64;
/** Longest list a setting may hold (a hostile environment cannot make the node dial thousands). */
const MAX_LIST = 64;

export function resolveNetworkSettings(flags: NetworkFlags, env: Record<string, string | undefined>): NetworkSettings {
  const pick = (key: Exclude<keyof typeof NETWORK_ENV, "offline">): string | undefined => {
    const fromFlag = flags[key];
    if (fromFlag !== undefined && fromFlag !== "") return fromFlag;
    const fromEnv = env[NETWORK_ENV[key]];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
  };
  const offline = flags.offline === true || parseBoolean(env[NETWORK_ENV.offline], `${NETWORK_ENV.offline}`);
  const bootstrapValue = pick("bootstrap");
  const swarmValue = pick("swarm");
  return {
    offline,
    swarm: swarmValue === undefined ? DEFAULT_SWARM : parseMultiaddrList(swarmValue, `--swarm / ${NETWORK_ENV.swarm}`, false),
    bootstrap:
      bootstrapValue === undefined
        ? PUBLIC_BOOTSTRAP
        : bootstrapValue.trim() === "none"
          ? []
          : parseMultiaddrList(bootstrapValue, `--bootstrap / ${NETWORK_ENV.bootstrap}`, true),
    dht: parseDhtMode(pick("dht") ?? "auto"),
    trustlessGateways: parseGateways(pick("trustlessGateways")),
    provideIntervalMs: parseDuration(pick("provideInterval"), DEFAULT_PROVIDE_INTERVAL_MS, `--provide-interval / ${NETWORK_ENV.provideInterval}`),
    fetchTimeoutMs: parseDuration(pick("fetchTimeout"), DEFAULT_FETCH_TIMEOUT_MS, `--fetch-timeout / ${NETWORK_ENV.fetchTimeout}`),
    maxConnections: parseCount(pick("maxConnections"), DEFAULT_MAX_CONNECTIONS, `--max-connections / ${NETWORK_ENV.maxConnections}`),
    maxStreams: DEFAULT_MAX_STREAMS,
  };
}

function parseBoolean(value: string | undefined, settingName: string): boolean {
  if (value === undefined || value === "") return false;
  if (/^(1|true|yes)$/i.test(value.trim())) return true;
  if (/^(0|false|no)$/i.test(value.trim())) return false;
  throw new SettingsError(`${settingName}: "${value}" is neither true nor false. Write 1 or 0.`);
}

function splitList(value: string, settingName: string): string[] {
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length > MAX_LIST) throw new SettingsError(`${settingName}: ${items.length} items; at most ${MAX_LIST}.`);
  return items;
}

function parseMultiaddrList(value: string, settingName: string, withPeer: boolean): string[] {
  const items = splitList(value, settingName);
  for (const item of items) {
    const ok = /^\/(ip4|ip6|dns|dns4|dns6|dnsaddr)\/[^/\s]+(\/[^/\s]+)*$/.test(item) && (!withPeer || /\/p2p\/[1-9A-HJ-NP-Za-km-z]+$/.test(item));
    if (!ok) {
      throw new SettingsError(
        withPeer
          ? `${settingName}: "${item}" is not a peer address. Write multiaddrs ending in the peer ID, like /ip4/192.0.2.1/tcp/4001/p2p/12D3KooW..., comma-separated, or "none".`
          : `${settingName}: "${item}" is not a listen address. Write multiaddrs like /ip4/0.0.0.0/tcp/4001 or /ip4/127.0.0.1/tcp/0/ws, comma-separated.`,
      );
    }
  }
  return items;
}

function parseDhtMode(value: string): DhtMode {
  if (value === "auto" || value === "client" || value === "server" || value === "lan") return value;
  throw new SettingsError(`--dht / ${NETWORK_ENV.dht}: "${value}" is not a DHT mode. Write auto, client, server or lan.`);
}

function parseGateways(value: string | undefined): string[] {
  if (value === undefined) return [];
  const settingName = `--trustless-gateways / ${NETWORK_ENV.trustlessGateways}`;
  return splitList(value, settingName).map((item) => {
    let url: URL;
    try {
      url = new URL(item);
    } catch {
      throw new SettingsError(`${settingName}: "${item}" is not a URL. Write gateway URLs like https://trustless-gateway.link, comma-separated.`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new SettingsError(`${settingName}: "${item}" is not an http(s) URL.`);
    return url.origin;
  });
}

/** `500ms`, `30s`, `10m`, `22h`, or milliseconds. */
function parseDuration(value: string | undefined, fallback: number, settingName: string): number {
  if (value === undefined) return fallback;
  const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(value.trim());
  if (!match || Number(match[1]) === 0) throw new SettingsError(`${settingName}: "${value}" is not a duration. Write e.g. 30s, 10m or 22h.`);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000 };
  return Number(match[1]) * unit[match[2] ?? "ms"];
}

function parseCount(value: string | undefined, fallback: number, settingName: string): number {
  if (value === undefined) return fallback;
  const count = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || count < 1 || count > 100_000) throw new SettingsError(`${settingName}: "${value}" is not a count (1-100000).`);
  return count;
}
