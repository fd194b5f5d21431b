/**
 * The one place where the project's settings are resolved: the local state folder, the IPFS
 * repo, the IPFS RPC API and gateway addresses, the origins the RPC API answers, the upload limit.
 *
 * Pure on purpose (no Node-only imports): the CLI passes `process.env` and the working folder, the
 * frontend can reuse the defaults. Precedence: command-line flag > environment variable > what a
 * running local stack recorded (IPFS API and gateway only) > default.
 */

/** A host and TCP port, as `127.0.0.1:5001` is written. */
export interface HostPort {
  host: string;
  port: number;
}

export interface TilSettings {
  /** Local state folder (see {@link defaultHome}). */
  home: string;
  /** Folder of the embedded IPFS node's blocks and datastore (`<home>/ipfs` by default). */
  ipfsRepo: string;
  /** Where the Kubo RPC API listens (or, for clients, where to reach it). */
  ipfsApi: HostPort;
  /** Where the HTTP gateway listens. */
  ipfsGateway: HostPort;
  /** Browser origins the RPC API answers (it is an admin interface: never `*`); by default exactly the app's own. */
  ipfsApiAllowedOrigins: string[];
  /** Largest request body the RPC API accepts for add and block put, in bytes. */
  ipfsUploadLimitBytes: number;
  /** Where the node serves the IPFS Pinning Service API; undefined (the default): it does not. */
  ipfsPinningApi?: HostPort;
  /** Port of the local Hardhat node `npm start` runs on 127.0.0.1 (chain 31337). */
  chainPort: number;
  /** Port of the web app `npm start` serves on 127.0.0.1. */
  appPort: number;
}

/** The flags a command line may give; each overrides its environment variable. */
export interface TilSettingsFlags {
  home?: string;
  repo?: string;
  api?: string;
  gateway?: string;
  apiOrigins?: string;
  uploadLimit?: string;
  pinningApi?: string;
  chainPort?: string;
  appPort?: string;
}

/** The home folder's name under the user's data folder (`$XDG_DATA_HOME`, else `~/.local/share`). */
const DEFAULT_HOME_FOLDER = "til";
const DEFAULT_IPFS_API = "127.0.0.1:5001";
const DEFAULT_IPFS_GATEWAY = "127.0.0.1:8080";
const DEFAULT_IPFS_UPLOAD_LIMIT_BYTES = 1024 * 1024 * 1024;
const DEFAULT_CHAIN_PORT = 8545;
const DEFAULT_APP_PORT = 5173;

/** Environment variables read by {@link resolveSettings}. */
export const SETTINGS_ENV = {
  home: "TIL_HOME",
  repo: "TIL_IPFS_REPO",
  api: "TIL_IPFS_API",
  gateway: "TIL_IPFS_GATEWAY",
  apiOrigins: "TIL_IPFS_API_ORIGINS",
  uploadLimit: "TIL_IPFS_UPLOAD_LIMIT",
  pinningApi: "TIL_IPFS_PINNING_API",
  chainPort: "TIL_CHAIN_PORT",
  appPort: "TIL_APP_PORT",
} as const;

/** A setting that cannot be understood; the message names the setting and the fix. */
export class SettingsError extends Error {
  static name = "SettingsError";
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

/**
 * Addresses a running local stack recorded in its home (`npm start` writes them, see
 * scripts/stack/stack-state.ts): a client in another shell finds the stack's IPFS API and gateway
 * there, below its own flags and environment and above the defaults.
 */
export interface RunningStackAddresses {
  ipfsApi?: string;
  ipfsGateway?: string;
}

/**
 * The default local state folder: `$XDG_DATA_HOME/til`, else `~/.local/share/til`. It lies outside
 * the project on purpose: it holds the IPFS node's private key, and no server of the project
 * (the Vite dev server serves files from the repository) may ever serve it.
 */
export function defaultHome(env: Record<string, string | undefined>): string {
  if (env.XDG_DATA_HOME?.startsWith("/")) return joinPath(env.XDG_DATA_HOME, DEFAULT_HOME_FOLDER);
  if (env.HOME) return joinPath(env.HOME, `.local/share/${DEFAULT_HOME_FOLDER}`);
  throw new SettingsError(`Neither HOME nor XDG_DATA_HOME is set, so there is no default local state folder: set ${SETTINGS_ENV.home} (or --home).`);
}

/**
 * Resolve every setting from flags, environment and defaults.
 * @param flags values given on the command line
 * @param env environment variables (`process.env` in Node)
 * @param cwd absolute folder relative paths are taken from
 * @param running the addresses of a running local stack, when a client found one in the home
 */
export function resolveSettings(
  flags: TilSettingsFlags,
  env: Record<string, string | undefined>,
  cwd: string,
  running: RunningStackAddresses = {},
): TilSettings {
  const pick = (key: keyof typeof SETTINGS_ENV): string | undefined => {
    const fromFlag = flags[key];
    if (fromFlag !== undefined && fromFlag !== "") return fromFlag;
    const fromEnv = env[SETTINGS_ENV[key]];
    return fromEnv !== undefined && fromEnv !== "" ? fromEnv : undefined;
  };
  const home = absolutePath(pick("home") ?? defaultHome(env), cwd);
  const ipfsRepo = absolutePath(pick("repo") ?? joinPath(home, "ipfs"), cwd);
  const appPort = parsePort(pick("appPort") ?? String(DEFAULT_APP_PORT), `--app-port / ${SETTINGS_ENV.appPort}`);
  const pinningApi = pick("pinningApi");
  return {
    home,
    ipfsRepo,
    ipfsApi: parseHostPort(pick("api") ?? running.ipfsApi ?? DEFAULT_IPFS_API, `--api / ${SETTINGS_ENV.api}`),
    ipfsGateway: parseHostPort(pick("gateway") ?? running.ipfsGateway ?? DEFAULT_IPFS_GATEWAY, `--gateway / ${SETTINGS_ENV.gateway}`),
    ipfsApiAllowedOrigins: parseOrigins(pick("apiOrigins")) ?? appOrigins(appPort),
    ipfsUploadLimitBytes: parseByteSize(pick("uploadLimit") ?? String(DEFAULT_IPFS_UPLOAD_LIMIT_BYTES), `--upload-limit / ${SETTINGS_ENV.uploadLimit}`),
    ...(pinningApi === undefined ? {} : { ipfsPinningApi: parseHostPort(pinningApi, `--pinning-api / ${SETTINGS_ENV.pinningApi}`) }),
    chainPort: parsePort(pick("chainPort") ?? String(DEFAULT_CHAIN_PORT), `--chain-port / ${SETTINGS_ENV.chainPort}`),
    appPort,
  };
}

/** The browser origins of the web app that `npm start` serves on `appPort`; its IPFS RPC API always answers them. */
export function appOrigins(appPort: number): string[] {
  return [`http://127.0.0.1:${appPort}`, `http://localhost:${appPort}`];
}

/** Parse `HOST:PORT` (IPv6 as `[::1]:5001`); port 0 means "any free port". */
function parseHostPort(value: string, settingName = "address"): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new SettingsError(`${settingName}: "${value}" is not HOST:PORT. Write it like 127.0.0.1:5001 (port 0 picks a free port).`);
  }
  return { host: match[1] ?? match[2], port };
}

/** A TCP port, 1-65535. */
function parsePort(value: string, settingName = "port"): number {
  const port = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) throw new SettingsError(`${settingName}: "${value}" is not a TCP port (1-65535).`);
  return port;
}

/** `http://host:port` for a {@link HostPort}. */
export function hostPortUrl({ host, port }: HostPort): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** The listed origins, or undefined when none are set (the default: the app's own origins). */
function parseOrigins(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const origins = value
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === "*" || !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new SettingsError(
        `${SETTINGS_ENV.apiOrigins}: "${origin}" is not an origin. List origins like http://localhost:5173, comma-separated; "*" is refused because the RPC API is an admin interface.`,
      );
    }
  }
  return origins;
}

/** Parse a byte size: `1048576`, `512MiB`, `1GiB`, `64KiB`, `10MB`. */
export function parseByteSize(value: string, settingName = "size"): number {
  const match = /^(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(value.trim());
  if (!match) throw new SettingsError(`${settingName}: "${value}" is not a size. Write bytes (1048576) or a unit (512MiB, 1GiB).`);
  const units: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
  return Number(match[1]) * units[(match[2] ?? "b").toLowerCase()];
}

function absolutePath(path: string, cwd: string): string {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) ? path : joinPath(cwd, path);
}

function joinPath(base: string, child: string): string {
  return `${base.replace(/[\\/]+$/, "")}/${child.replace(/^\.\//, "")}`;
}
