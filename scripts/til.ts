/**
 * `npm run til -- <command> ...`: the project's command line. Commands are registered in one
 * table below; every level answers `--help`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { resolveSettings, SETTINGS_ENV, SettingsError } from "#core/config.ts";
import { terminalText } from "./cli/terminal-text.ts";
import { runningStackAddresses } from "./stack/stack-state.ts";
import { NETWORK_ENV } from "../ipfs-node/network/settings.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

interface CommandContext {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

interface Command {
  summary: string;
  /** Arguments after the command path, for the usage line. */
  usage?: string;
  options?: Options;
  /** Extra help text. */
  details?: string;
  run?: (context: CommandContext) => Promise<number | void>;
  subcommands?: Record<string, Command>;
}

const GLOBAL_OPTIONS: Options = {
  home: { type: "string", description: `local state folder (default: ~/.local/share/til; env ${SETTINGS_ENV.home})` } as Options[string],
  help: { type: "boolean", short: "h", description: "show this help" } as Options[string],
};

const PUBLISH_OPTIONS: Options = {
  "dry-run": {
    type: "boolean",
    description:
      "print what would be published (CID, date, tags, title, new / revised / unchanged / already published) without writing to chain, IPFS or journal",
  },
  "batch-size": { type: "string", description: "entries per minting transaction (default 100)" },
  include: {
    type: "string",
    multiple: true,
    description:
      "import files a folder import skips by default (README, CONTRIBUTING, LICENSE..., dot-folders); a glob, repeatable: --include CONTRIBUTING.md --include '.github/**'",
  },
  lossy: { type: "boolean", description: "publish files that are not valid UTF-8 with U+FFFD in place of the bad bytes (default: skip them)" },
  "keep-remote-images": { type: "boolean", description: "leave http(s) images as remote links (default: fetch, check and pack them into the entry)" },
  "image-timeout": { type: "string", description: "seconds allowed to fetch one remote image (default 15)" },
  "remote-pin-timeout": {
    type: "string",
    description: "seconds to wait for the node's remote pinning services to report pinned after minting (default 300; 0: ask, do not wait)",
  },
} as Options;

const REPO_OPTION = { type: "string", description: `IPFS repo folder (default: <home>/ipfs; env ${SETTINGS_ENV.repo})` } as Options[string];

const REMOTE_QUERY_OPTIONS: Options = {
  service: { type: "string", description: "the service's name" },
  cid: { type: "string", multiple: true, description: "only these CIDs (repeatable)" },
  status: { type: "string", multiple: true, description: "queued, pinning, pinned or failed (repeatable; default pinned)" },
} as Options;

const COMMANDS: Record<string, Command> = {
  publish: {
    summary: "publish markdown notes, one note per file: pack, pin, mint, confirm",
    usage: "<file.md...>",
    options: PUBLISH_OPTIONS,
    details: PUBLISH_DETAILS(),
    run: async ({ values, positionals }) => (await import("./commands/publish.ts")).runPublish(settingsOf(values), positionals, publishOptionsOf(values)),
  },
  import: {
    summary: "publish a whole TIL log: one markdown file with an entry per `# H1`, or a folder of notes",
    usage: "<file-or-folder>",
    options: PUBLISH_OPTIONS,
    details: PUBLISH_DETAILS(),
    run: async ({ values, positionals }) => (await import("./commands/publish.ts")).runImport(settingsOf(values), positionals, publishOptionsOf(values)),
  },
  ls: {
    summary: "list published entries, oldest first",
    options: {
      author: { type: "string", description: "only entries by this address" },
      tag: { type: "string", description: "only entries with this tag (any case)" },
      since: { type: "string", description: "only entries dated on or after YYYY-MM-DD" },
      until: { type: "string", description: "only entries dated on or before YYYY-MM-DD" },
      json: { type: "boolean", description: "one JSON object per line" },
    } as Options,
    run: async ({ values }) =>
      (await import("./commands/ls.ts")).runLs(settingsOf(values), {
        author: values.author as string | undefined,
        tag: values.tag as string | undefined,
        since: values.since as string | undefined,
        until: values.until as string | undefined,
        json: values.json === true,
      }),
  },
  show: {
    summary: "print one entry, read through the gateways and verified against its CID",
    usage: "<#N | N | token id | CID>",
    details: [
      "Naming the entry: `#4` (quote it in the shell: '#4') or a bare `4` is the entry numbered #4 in `til ls`, its",
      "sequence number (any decimal below 2^64); a larger decimal or 0x and hex digits is a token id; anything else",
      "is read as the entry's CID. Gateways that failed or returned bytes not matching the CID are named.",
      "Entry text is printed terminal-safe: control characters, escape sequences and bidi overrides show as <U+XXXX>.",
    ].join("\n"),
    run: async ({ values, positionals }) => (await import("./commands/show.ts")).runShow(settingsOf(values), positionals),
  },
  history: {
    summary: "list every version of an entry: revision, date, block, CID, verified",
    usage: "<#N | N | token id | CID>",
    details: [
      "Each version is read through the gateways and verified against its CID; a version in entry format 2 must name",
      "the version before it (metadata `previous`). Exit code 10 when a version does not verify.",
    ].join("\n"),
    options: {
      json: { type: "boolean", description: "one JSON object: {tokenId, author, versions: [{revision, date, block, cid, verified, ...}]}" },
    } as Options,
    run: async ({ values, positionals }) => (await import("./commands/history.ts")).runHistory(settingsOf(values), positionals, { json: values.json === true }),
  },
  revise: {
    summary: "publish a file as the next version of one of your entries (only the author can)",
    usage: "<#N | N | token id | CID> <file.md>",
    details: [
      "The new version names the latest as its predecessor and keeps the note's identity. Re-importing an edited",
      "note (`til import`) revises its entry too, without naming it. Prints {tokenId, revision, cid, previous, txHash, gasUsed}.",
    ].join("\n"),
    run: async ({ values, positionals }) => (await import("./commands/revise.ts")).runRevise(settingsOf(values), positionals),
  },
  export: {
    summary: "write every entry back as markdown files with front matter and images",
    usage: "<folder>",
    details: "Importing the exported folder again (`til import <folder>`) packs every entry to the same CID.",
    run: async ({ values, positionals }) => (await import("./commands/export.ts")).runExport(settingsOf(values), positionals),
  },
  site: {
    summary: "build a static website with Atom / JSON Feed / RSS feeds of the entries, verified; --pin hosts it on IPFS",
    usage: "<folder>",
    options: {
      author: { type: "string", description: "only entries by this address" },
      tag: { type: "string", description: "only entries with this tag (any case)" },
      title: { type: "string", description: 'the site\'s title (default "Today I Learned")' },
      description: { type: "string", description: "a line about the site, on the index and in the feeds" },
      "base-url": { type: "string", description: "the site's absolute URL: absolute links in the feeds, and a sitemap.xml (none without it)" },
      "author-name": { type: "string", multiple: true, description: "a display name for an author, repeatable: --author-name 0xabc...=Ada" },
      "public-gateway": { type: "string", description: "public gateway for verification links (default https://dweb.link)" },
      pin: {
        type: "boolean",
        description: "add the site to the IPFS node as one CIDv1 directory, pinned; print gateway URLs, DNSLink record and ENS contenthash",
      },
      watch: { type: "boolean", description: "keep polling the registry and rebuild (and re-pin) when entries are published; Ctrl-C stops" },
      interval: { type: "string", description: "seconds between polls with --watch (default 15)" },
    } as Options,
    details: [
      "Writes only files whose bytes changed and removes files no longer part of the site; the folder must be empty",
      "or a site built before (it holds .til-site). The same entries always give the same bytes. The last line is a",
      "JSON summary {entries, skipped, files, written, unchanged, removed, sitemap, folder} (with --pin also cid,",
      "nodes, changedNodes, contenthash). Exit code 10 when an entry was refused or unavailable (left out).",
    ].join("\n"),
    run: async ({ values, positionals }) =>
      (await import("./commands/site.ts")).runSite(settingsOf(values), positionals, {
        author: values.author as string | undefined,
        tag: values.tag as string | undefined,
        title: values.title as string | undefined,
        description: values.description as string | undefined,
        baseUrl: values["base-url"] as string | undefined,
        authorNames: (values["author-name"] as unknown as string[] | undefined) ?? [],
        publicGateway: values["public-gateway"] as string | undefined,
        pin: values.pin === true,
        watch: values.watch === true,
        interval: values.interval as string | undefined,
      }),
  },
  mirror: {
    summary: "pin every entry (and revision) of an author, or of the whole registry, on the IPFS node; --watch follows new ones",
    options: {
      author: { type: "string", description: "mirror this writer's entries (an address)" },
      all: { type: "boolean", description: "mirror every entry of the registry" },
      watch: { type: "boolean", description: "keep polling the registry and pin new entries as they come; Ctrl-C stops" },
      interval: { type: "string", description: "seconds between polls with --watch (default 15)" },
    } as Options,
    details: [
      "Pins through the node's `pin add`, which fetches what the node lacks from the IPFS network; entries it pins already are",
      "skipped, so running it again resumes. Each pass ends with a JSON line {entries, pinned, alreadyPinned, failed, seconds};",
      "failed entries are named on stderr and tried again at the next pass. Exit code 1 when the last pass had failures.",
    ].join("\n"),
    run: async ({ values }) =>
      (await import("./commands/mirror.ts")).runMirror(settingsOf(values), {
        author: values.author as string | undefined,
        all: values.all === true,
        watch: values.watch === true,
        interval: values.interval as string | undefined,
      }),
  },
  "use-deployment": {
    summary: "point the CLI at a registry on any EVM chain (writes <home>/deployment.json)",
    options: {
      "rpc-url": { type: "string", description: "the chain's JSON-RPC URL" },
      address: { type: "string", description: "registry address (default: Ignition's deployment on that chain)" },
      "deploy-block": { type: "string", description: "block the registry was deployed in, where event queries start (default 0)" },
    } as Options,
    run: async ({ values }) =>
      (await import("./commands/use-deployment.ts")).runUseDeployment(settingsOf(values), {
        rpcUrl: values["rpc-url"] as string | undefined,
        address: values.address as string | undefined,
        deployBlock: values["deploy-block"] as string | undefined,
      }),
  },
  verify: {
    summary: "check that every token's content is retrievable, matches its CID, and is pinned",
    details: [
      "Every version of every token is checked. The last line is a JSON summary {tokens, versions, verified, failed,",
      "problems, copies, gateways}; `copies` lists tokens whose content names another author (reported, not failed); `gateways` counts, per",
      "configured gateway (TIL_GATEWAYS), the blocks it served, its failed requests and its answers whose bytes",
      "did not match the CID. Exit code 10 when any entry fails. With --remote the summary adds remote: {services: {<name>:",
      "{queued, pinning, pinned, failed, none}}, entries: [{tokenId, cid, status: {<name>: status}}]} (reported, not failed).",
    ].join("\n"),
    options: {
      remote: { type: "boolean", description: "also report each entry's status on each remote pinning service the IPFS node knows" },
    } as Options,
    run: async ({ values }) => (await import("./commands/verify.ts")).runVerify(settingsOf(values), { remote: values.remote === true }),
  },
  ipfs: {
    summary: "the embedded IPFS node (Helia on disk, Kubo RPC API + HTTP gateway)",
    subcommands: {
      daemon: {
        summary: "run the IPFS node until SIGINT/SIGTERM",
        options: {
          repo: { type: "string", description: `IPFS repo folder (default: <home>/ipfs; env ${SETTINGS_ENV.repo})` },
          api: { type: "string", description: `RPC API address HOST:PORT (default 127.0.0.1:5001; env ${SETTINGS_ENV.api})` },
          gateway: { type: "string", description: `gateway address HOST:PORT (default 127.0.0.1:8080; env ${SETTINGS_ENV.gateway})` },
          "api-origins": {
            type: "string",
            description: `comma-separated browser origins the RPC API answers (default: the app's own origins on TIL_APP_PORT; env ${SETTINGS_ENV.apiOrigins})`,
          },
          "upload-limit": { type: "string", description: `largest add/block put body, e.g. 512MiB (default 1GiB; env ${SETTINGS_ENV.uploadLimit})` },
          "pinning-api": {
            type: "string",
            description: `also serve the IPFS Pinning Service API on HOST:PORT, for holders of a pinning token (default: off; env ${SETTINGS_ENV.pinningApi})`,
          },
          offline: { type: "boolean", description: `no networking: missing blocks fail at once, nothing is announced (env ${NETWORK_ENV.offline}=1)` },
          swarm: {
            type: "string",
            description: `comma-separated listen multiaddrs (default /ip4/0.0.0.0/tcp/4001,/ip6/::/tcp/4001,/ip4/0.0.0.0/tcp/4002/ws; env ${NETWORK_ENV.swarm})`,
          },
          bootstrap: {
            type: "string",
            description: `comma-separated peer multiaddrs (ending in /p2p/<id>) to connect to at start, or "none" (default: the public bootstrap peers; env ${NETWORK_ENV.bootstrap})`,
          },
          dht: {
            type: "string",
            description: `DHT mode auto|client|server|lan (lan: a server on a private network or one machine; default auto; env ${NETWORK_ENV.dht})`,
          },
          "trustless-gateways": {
            type: "string",
            description: `comma-separated HTTP trustless gateway URLs asked for missing blocks (default none; env ${NETWORK_ENV.trustlessGateways})`,
          },
          "provide-interval": {
            type: "string",
            description: `how often pinned roots are announced again, e.g. 12h (default 22h; env ${NETWORK_ENV.provideInterval})`,
          },
          "fetch-timeout": {
            type: "string",
            description: `how long a read waits for a missing block, e.g. 30s (default 60s; env ${NETWORK_ENV.fetchTimeout})`,
          },
          "max-connections": { type: "string", description: `most open peer connections (default 96; env ${NETWORK_ENV.maxConnections})` },
        } as Options,
        details:
          "Port 0 picks a free port; the daemon prints the addresses it listens on, like Kubo. Online by default (a libp2p peer: TCP, WebSockets, DHT, Bitswap).",
        run: async ({ values }) =>
          (await import("./commands/ipfs-daemon.ts")).runIpfsDaemon({
            home: values.home as string | undefined,
            repo: values.repo as string | undefined,
            api: values.api as string | undefined,
            gateway: values.gateway as string | undefined,
            apiOrigins: values["api-origins"] as string | undefined,
            uploadLimit: values["upload-limit"] as string | undefined,
            pinningApi: values["pinning-api"] as string | undefined,
            network: {
              offline: values.offline as boolean | undefined,
              swarm: values.swarm as string | undefined,
              bootstrap: values.bootstrap as string | undefined,
              dht: values.dht as string | undefined,
              trustlessGateways: values["trustless-gateways"] as string | undefined,
              provideInterval: values["provide-interval"] as string | undefined,
              fetchTimeout: values["fetch-timeout"] as string | undefined,
              maxConnections: values["max-connections"] as string | undefined,
            },
          }),
      },
      "pinning-token": {
        summary: "access tokens of this node's pinning service (--pinning-api): create, ls, revoke",
        subcommands: {
          create: {
            summary: "make a token (printed once, on stdout; only its hash is kept)",
            options: {
              repo: REPO_OPTION,
              name: { type: "string", description: "who or what uses the token, e.g. laptop" },
              quota: { type: "string", description: "bytes its pins may hold, e.g. 500MiB (default 1GiB)" },
            } as Options,
            run: async ({ values }) =>
              (await import("./commands/pinning-token.ts")).runPinningTokenCreate(repoFlags(values), {
                name: values.name as string | undefined,
                quota: values.quota as string | undefined,
              }),
          },
          ls: {
            summary: "list tokens: id, name, bytes used of the quota, pins, active or revoked (never the token)",
            options: { repo: REPO_OPTION, json: { type: "boolean", description: "one JSON object per line" } } as Options,
            run: async ({ values }) => (await import("./commands/pinning-token.ts")).runPinningTokenLs(repoFlags(values), { json: values.json === true }),
          },
          revoke: {
            summary: "revoke a token (by id or name): its next request gets 401",
            usage: "<id|name>",
            options: { repo: REPO_OPTION } as Options,
            run: async ({ values, positionals }) => (await import("./commands/pinning-token.ts")).runPinningTokenRevoke(repoFlags(values), positionals),
          },
        },
      },
      pin: {
        summary: "pinning through the node's RPC API",
        subcommands: {
          remote: {
            summary: "pin on remote pinning services (IPFS Pinning Service API), as `ipfs pin remote` does",
            subcommands: {
              service: {
                summary: "the remote services the node knows (kept in its repo)",
                subcommands: {
                  add: {
                    summary: "add a service: name, API endpoint, access key",
                    usage: "<name> <endpoint> <key>",
                    run: async ({ values, positionals }) => (await import("./commands/remote-pin.ts")).runRemoteServiceAdd(settingsOf(values), positionals),
                  },
                  ls: {
                    summary: "list services (never their keys); --stat counts their pins",
                    options: { stat: { type: "boolean", description: "ask each service how many pins it has in each status" } } as Options,
                    run: async ({ values }) =>
                      (await import("./commands/remote-pin.ts")).runRemoteServiceLs(settingsOf(values), { stat: values.stat === true }),
                  },
                  rm: {
                    summary: "remove a service",
                    usage: "<name>",
                    run: async ({ values, positionals }) => (await import("./commands/remote-pin.ts")).runRemoteServiceRm(settingsOf(values), positionals),
                  },
                },
              },
              add: {
                summary: "ask a service to pin a CID (this node's addresses as origins); waits for pinned unless --background",
                usage: "<cid>",
                options: {
                  service: { type: "string", description: "the service's name" },
                  name: { type: "string", description: "a name for the pin" },
                  background: { type: "boolean", description: "return once the service has queued the request" },
                } as Options,
                run: async ({ values, positionals }) =>
                  (await import("./commands/remote-pin.ts")).runRemotePinAdd(settingsOf(values), positionals, {
                    service: values.service as string | undefined,
                    name: values.name as string | undefined,
                    background: values.background === true,
                  }),
              },
              ls: {
                summary: "list a service's pins: CID, status, name",
                options: REMOTE_QUERY_OPTIONS,
                run: async ({ values }) => (await import("./commands/remote-pin.ts")).runRemotePinLs(settingsOf(values), remoteQueryOf(values)),
              },
              rm: {
                summary: "remove a service's pins matching --cid / --status (--force for more than one)",
                options: { ...REMOTE_QUERY_OPTIONS, force: { type: "boolean", description: "remove every matching pin" } } as Options,
                run: async ({ values }) =>
                  (await import("./commands/remote-pin.ts")).runRemotePinRm(settingsOf(values), { ...remoteQueryOf(values), force: values.force === true }),
              },
            },
          },
        },
      },
    },
  },
};

function repoFlags(values: CommandContext["values"]) {
  return { home: values.home as string | undefined, repo: values.repo as string | undefined };
}

function remoteQueryOf(values: CommandContext["values"]) {
  return {
    service: values.service as string | undefined,
    cid: (values.cid as unknown as string[] | undefined) ?? [],
    status: (values.status as unknown as string[] | undefined) ?? [],
  };
}

function PUBLISH_DETAILS(): string {
  return [
    "Chain and registry come from <home>/deployment.json (written by `npm start`); TIL_RPC_URL overrides its RPC URL.",
    "The author is TIL_AUTHOR_KEY, or on the local chain (31337) Hardhat's first development account.",
    "IPFS: the Kubo RPC API at TIL_IPFS_API, else the one of the stack `npm start` runs with the same home (<home>/stack.json), else 127.0.0.1:5001.",
    "Safe to interrupt: running the same command again resumes without pinning or minting anything twice.",
    "The last line is a JSON summary {found, published, alreadyPublished, failed, warnings, skipped, gasUsed, seconds, stages} (a dry run adds new).",
    "When the IPFS node knows remote pinning services (til ipfs pin remote service add), each is asked to pin every minted entry of the",
    "author it does not hold yet, and the summary adds remotePins: {<service>: {queued, pinning, pinned, failed, none}} (none: not asked).",
    "Skipped files (repository documents, dot-folders, empty, binary, invalid UTF-8, no title) are listed on stderr as file:line: reason.",
    "Exit codes: 0 ok, 1 some entries failed, 2 usage, 3 IPFS unreachable, 4 chain unreachable, 5 wrong chain id,",
    "6 no contract at the address, 7 insufficient funds, 8 a note over the size limit, 9 not found, 10 verification failed.",
  ].join("\n");
}

/** Settings of a client command: flags and environment, then the addresses of a stack running with the same home. */
function settingsOf(values: CommandContext["values"]) {
  const flags = { home: values.home as string | undefined };
  const { home } = resolveSettings(flags, process.env, process.cwd());
  return resolveSettings(flags, process.env, process.cwd(), runningStackAddresses(home));
}

function publishOptionsOf(values: CommandContext["values"]) {
  const batch = values["batch-size"] === undefined ? undefined : Number(values["batch-size"]);
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1 || batch > 500)) {
    throw new SettingsError(`--batch-size: "${values["batch-size"]}" is not a whole number from 1 to 500.`);
  }
  const timeout = values["image-timeout"] === undefined ? undefined : Number(values["image-timeout"]);
  if (timeout !== undefined && (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600)) {
    throw new SettingsError(`--image-timeout: "${values["image-timeout"]}" is not a number of seconds from 0 to 600.`);
  }
  const remotePinTimeout = values["remote-pin-timeout"] === undefined ? undefined : Number(values["remote-pin-timeout"]);
  if (remotePinTimeout !== undefined && (!Number.isFinite(remotePinTimeout) || remotePinTimeout < 0 || remotePinTimeout > 86_400)) {
    throw new SettingsError(`--remote-pin-timeout: "${values["remote-pin-timeout"]}" is not a number of seconds from 0 to 86400.`);
  }
  return {
    dryRun: values["dry-run"] === true,
    batchSize: batch,
    include: (values.include as unknown as string[] | undefined) ?? [],
    lossy: values.lossy === true,
    keepRemoteImages: values["keep-remote-images"] === true,
    imageTimeoutMs: timeout === undefined ? undefined : timeout * 1000,
    remotePinTimeoutMs: remotePinTimeout === undefined ? undefined : remotePinTimeout * 1000,
  };
}

function helpText(commandPath: string[], command: Command | undefined): string {
  const name = ["til", ...commandPath].join(" ");
  const lines: string[] = [];
  const subcommands = command ? command.subcommands : COMMANDS;
  if (command) lines.push(`${name}: ${command.summary}`, "");
  // npm passes what follows `--` to the script: `npm run til -- ipfs daemon --repo x`
  const invocation = ["npm run til --", ...commandPath].join(" ");
  lines.push(`Usage: ${invocation}${subcommands ? " <command>" : command?.usage ? ` ${command.usage}` : ""} [options]`);
  if (subcommands) {
    lines.push("", "Commands:");
    for (const [subName, sub] of Object.entries(subcommands)) lines.push(`  ${subName.padEnd(12)} ${sub.summary}`);
    lines.push("", `Run \`${invocation} <command> --help\` for a command's options.`);
  }
  const options = { ...(command?.options ?? {}), ...GLOBAL_OPTIONS };
  lines.push("", "Options:");
  for (const [optionName, option] of Object.entries(options)) {
    const flag = `--${optionName}${option.type === "string" ? " <value>" : ""}`;
    lines.push(`  ${flag.padEnd(24)} ${(option as { description?: string }).description ?? ""}`);
  }
  if (command?.details) lines.push("", command.details);
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const commandPath: string[] = [];
  let command: Command | undefined;
  let table: Record<string, Command> | undefined = COMMANDS;
  let rest = argv;
  while (table && rest.length > 0 && !rest[0].startsWith("-")) {
    const next: Command | undefined = table[rest[0]];
    if (!next) {
      console.error(`til: unknown command "${[...commandPath, rest[0]].join(" ")}".\n\n${helpText(commandPath, command)}`);
      return 2;
    }
    commandPath.push(rest[0]);
    command = next;
    table = next.subcommands;
    rest = rest.slice(1);
  }
  const options = { ...(command?.options ?? {}), ...GLOBAL_OPTIONS };
  // parseArgs rejects unknown keys such as "description": keep only what it understands
  const parseOptions = Object.fromEntries(
    Object.entries(options).map(([key, { type, short, multiple }]) => [key, { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) }]),
  ) as Options;
  let parsed: CommandContext;
  try {
    parsed = parseArgs({ args: rest, options: parseOptions, allowPositionals: true, strict: true }) as CommandContext;
  } catch (err) {
    console.error(`til: ${(err as Error).message}\n\n${helpText(commandPath, command)}`);
    return 2;
  }
  if (parsed.values.help || !command?.run) {
    const text = helpText(commandPath, command);
    if (parsed.values.help) console.log(text);
    else console.error(text);
    return parsed.values.help ? 0 : 2;
  }
  try {
    return (await command.run(parsed)) ?? 0;
  } catch (err) {
    if (isProgrammingError(err)) {
      // A TypeError, RangeError, ... is a bug of the CLI, not something the user did: say so, with the stack.
      console.error(`til ${commandPath.join(" ")}: internal error (a bug in til, please report it with this output):`);
      console.error(err);
      return 1;
    }
    if (err instanceof Error) {
      // Named errors (CliError, SettingsError, EntryError, ChainError, ...) say what went wrong and what to do.
      // A message may quote what an entry holds (a title, a path, a gateway's answer): shown, never applied.
      console.error(`til ${commandPath.join(" ")}: ${terminalText(err.message)}`);
      if (process.env.TIL_DEBUG) console.error(err);
      const exitCode = (err as { exitCode?: unknown }).exitCode;
      return typeof exitCode === "number" ? exitCode : err instanceof SettingsError ? 2 : 1;
    }
    throw err;
  }
}

/** JavaScript's own error types: thrown by a mistake in the code, never to report a user's. */
const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

export function isProgrammingError(err: unknown): boolean {
  return PROGRAMMING_ERRORS.some((type) => err?.constructor === type);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
