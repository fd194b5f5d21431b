/**
 * `npm start`: the whole dApp locally. Builds what is missing or out of date (contract artifacts,
 * the web app's production build), starts a Hardhat node, deploys the registry through its
 * Ignition module, starts the embedded IPFS node, restores the entries published before, serves
 * the web app, records where everything listens in `<home>/stack.json`, prints it, and stops
 * everything on Ctrl-C.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { appOrigins, defaultHome, hostPortUrl, resolveSettings, SettingsError } from "#core/config.ts";
import { DEPLOYMENT_FILE_NAME } from "#core/contract/deployment.ts";
import { LOCAL_CHAIN_ID } from "#core/contract/local-chain.ts";
import { collectionMetadata, collectionMetadataDataUri } from "#core/entry/metadata.ts";
import { providerFor } from "../chain/registry.ts";
import { Journal, JOURNAL_FILE_NAME } from "../publishing/journal.ts";
import { authorWallet, connectChain, connectIpfs, gatewayUrls } from "../cli/context.ts";
import { publishNotes } from "../publishing/publish-entries.ts";
import { importFolder } from "#core/import/folder.node.ts";
import { tilNodeEnv, tilNodeFlags } from "../../ipfs-node/node-flags.ts";
import { deployToLocalNode } from "./deploy.ts";
import { recordPublishedEntries, restoreEntries } from "./entry-history.ts";
import { serveApp, type AppServer } from "./app-server.ts";
import { appBuild, contractArtifacts, ensureBuilt } from "./build-outputs.ts";
import { assertPortFree, rpcAnswers, startProcess, StackStartError, type ManagedProcess } from "./processes.ts";
import { readStackState, removeStackState, writeStackState } from "./stack-state.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

const USAGE = `Usage: npm start -- [options]

Starts the local stack: a Hardhat node with the TodayILearned registry deployed, and the embedded
IPFS node (RPC API and gateway). Stops everything on Ctrl-C.

Options (each also read from the environment variable in brackets):
  --home DIR             local state folder [TIL_HOME], default ~/.local/share/til
  --chain-port PORT      Hardhat node port on 127.0.0.1 [TIL_CHAIN_PORT], default 8545
  --api HOST:PORT        IPFS RPC API [TIL_IPFS_API], default 127.0.0.1:5001
  --gateway HOST:PORT    IPFS gateway [TIL_IPFS_GATEWAY], default 127.0.0.1:8080
  --app-port PORT        web app (production build) on 127.0.0.1 [TIL_APP_PORT], default 5173
  --offline              run the IPFS node without networking [TIL_IPFS_OFFLINE=1]; by default it joins
                         the IPFS network as Kubo does (swarm port 4001, public bootstrap peers; the
                         daemon's other network settings are read from TIL_IPFS_SWARM,
                         TIL_IPFS_BOOTSTRAP, ...: see \`npm run til -- ipfs daemon --help\`)
  --with-samples         publish the project's sample entries (samples/) if they are not yet published
  -h, --help             show this help`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      home: { type: "string" },
      "chain-port": { type: "string" },
      api: { type: "string" },
      gateway: { type: "string" },
      "with-samples": { type: "boolean" },
      offline: { type: "boolean" },
      "app-port": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const settings = resolveSettings(
    { home: values.home, api: values.api, gateway: values.gateway, chainPort: values["chain-port"], appPort: values["app-port"] },
    process.env,
    process.cwd(),
  );
  const { chainPort, appPort } = settings;
  const rpcUrl = `http://127.0.0.1:${chainPort}`;
  const logs = path.join(settings.home, "logs");
  await mkdir(logs, { recursive: true });
  const other = readStackState(settings.home);
  if (other) {
    throw new StackStartError(
      `A stack already runs with the local state folder ${settings.home} (process ${other.pid}, app at ${other.appUrl}). Stop it first, or start this one with another --home / TIL_HOME.`,
    );
  }

  await ensureBuilt(contractArtifacts(projectRoot), console.log);
  await ensureBuilt(appBuild(projectRoot), console.log);

  await assertPortFree("127.0.0.1", chainPort, "Hardhat node", "--chain-port / TIL_CHAIN_PORT");
  await assertPortFree(settings.ipfsApi.host, settings.ipfsApi.port, "IPFS RPC API", "--api / TIL_IPFS_API");
  await assertPortFree(settings.ipfsGateway.host, settings.ipfsGateway.port, "IPFS gateway", "--gateway / TIL_IPFS_GATEWAY");
  await assertPortFree("127.0.0.1", appPort, "web app", "--app-port / TIL_APP_PORT");

  const running: ManagedProcess[] = [];
  let stopRecording: (() => Promise<void>) | undefined;
  let app: AppServer | undefined;
  let stopping = false;
  const stopParts = async () => {
    await removeStackState(settings.home);
    await stopRecording?.();
    await app?.close();
    await Promise.all(running.map((p) => p.stop()));
  };
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stopParts();
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  try {
    step("Hardhat node");
    running.push(
      await startProcess({
        name: "Hardhat node",
        // Hardhat's CLI on this same Node (>= 22.13), whatever `node` is first on PATH.
        command: process.execPath,
        args: [path.join(projectRoot, "node_modules", "hardhat", "dist", "src", "cli.js"), "node", "--hostname", "127.0.0.1", "--port", String(chainPort)],
        logFile: path.join(logs, "hardhat-node.log"),
        ready: () => rpcAnswers(rpcUrl),
      }),
    );

    step("IPFS node");
    const apiUrl = hostPortUrl(settings.ipfsApi);
    running.push(
      await startProcess({
        name: "IPFS node",
        command: process.execPath,
        args: [
          ...tilNodeFlags(projectRoot),
          path.join(projectRoot, "scripts", "til.ts"),
          "ipfs",
          "daemon",
          "--repo",
          settings.ipfsRepo,
          "--api",
          `${settings.ipfsApi.host}:${settings.ipfsApi.port}`,
          "--gateway",
          `${settings.ipfsGateway.host}:${settings.ipfsGateway.port}`,
          // The app's own origins, whatever --app-port is, beside the configured ones.
          "--api-origins",
          [...new Set([...settings.ipfsApiAllowedOrigins, ...appOrigins(appPort)])].join(","),
          ...(values.offline ? ["--offline"] : []),
        ],
        env: { ...process.env, ...tilNodeEnv(projectRoot) },
        logFile: path.join(logs, "ipfs-node.log"),
        ready: async () => (await fetch(`${apiUrl}/api/v0/id`, { method: "POST", signal: AbortSignal.timeout(2_000) })).ok,
      }),
    );

    step("registry (Ignition)");
    // The collection's metadata (ERC-7572) links the app this stack serves.
    const collection = collectionMetadataDataUri(collectionMetadata({ appUrl: `http://127.0.0.1:${appPort}/`, chainId: LOCAL_CHAIN_ID }));
    const deployment = await deployToLocalNode(rpcUrl, collection);
    if (deployment.chainId !== LOCAL_CHAIN_ID) throw new StackStartError(`The Hardhat node reports chain ${deployment.chainId}, expected ${LOCAL_CHAIN_ID}.`);
    const deploymentFile = path.join(settings.home, DEPLOYMENT_FILE_NAME);
    await writeFile(deploymentFile, JSON.stringify(deployment, null, 2) + "\n");

    const provider = providerFor(rpcUrl, deployment.chainId);
    const firstRun = !existsSync(path.join(settings.home, JOURNAL_FILE_NAME));
    const journal = await Journal.open(settings.home);
    const { restored, revisions, authors } = await restoreEntries(journal, provider, deployment);
    let samples = "";
    if (values["with-samples"]) {
      step("sample entries");
      samples = `\n  ${await publishSamples(settings, journal)}`;
    } else if (firstRun) {
      samples = "\n  First run: `npm start -- --with-samples` publishes a few sample entries, so the app has something to show.";
    }
    stopRecording = recordPublishedEntries(journal, provider, deployment);

    step("web app");
    const gateways = gatewayUrls(settings);
    app = await serveApp(path.join(projectRoot, "frontend", "dist"), "127.0.0.1", appPort, {
      chainId: deployment.chainId,
      rpcUrl,
      contractAddress: deployment.address,
      deployBlock: deployment.deployBlock,
      ipfsApiUrl: apiUrl,
      gateways,
    });
    const appUrl = app.url;
    const stateFile = await writeStackState(settings.home, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      chainRpcUrl: rpcUrl,
      ipfsApi: `${settings.ipfsApi.host}:${settings.ipfsApi.port}`,
      ipfsGateway: `${settings.ipfsGateway.host}:${settings.ipfsGateway.port}`,
      appUrl,
    });
    const legacyHome = path.join(projectRoot, ".til");
    if (existsSync(legacyHome) && settings.home !== legacyHome && settings.home === defaultHome(process.env)) {
      samples += `\n  Note: ${legacyHome} holds the state of an older version (the default home was inside the project). Move it to ${settings.home} to keep its entries, or delete it.`;
    }

    console.log(`
TIL local stack is running.

  Chain RPC         ${rpcUrl}  (chain id ${deployment.chainId}, Hardhat node)
  Registry          ${deployment.address}
  IPFS RPC API      ${apiUrl}
  IPFS gateway      ${hostPortUrl(settings.ipfsGateway)}
  IPFS peer         ${await ipfsPeerStatus(apiUrl)}
  Web app           ${appUrl}  (production build; reads through ${gateways.join(", ")})
  Deployment file   ${deploymentFile}
  Stack addresses   ${stateFile}  (the CLI in another shell finds this stack with the same TIL_HOME)
  Local state       ${settings.home}  (logs in ${logs})

  Restored ${restored} entr${restored === 1 ? "y" : "ies"} (and ${revisions} revision${revisions === 1 ? "" : "s"}) of ${authors} author${authors === 1 ? "" : "s"} published before.${samples}

Wallet: add the network "TIL local" with RPC URL ${rpcUrl} and chain id ${deployment.chainId}, then import one of
the Hardhat node's development accounts (their private keys are in ${path.join(logs, "hardhat-node.log")};
they are public test keys: never send real funds to them).

Press Ctrl-C to stop.`);
    return -1;
  } catch (error) {
    stopping = true;
    await stopParts();
    throw error;
  }
}

/**
 * The node's place on the IPFS network for the summary, from its RPC API: online with its peer
 * count and swarm addresses, or offline. Bounded: a peer ID and at most a few addresses are shown.
 */
async function ipfsPeerStatus(apiUrl: string): Promise<string> {
  const rpc = async (command: string) => {
    const response = await fetch(`${apiUrl}/api/v0/${command}`, { method: "POST", signal: AbortSignal.timeout(5_000) });
    return { ok: response.ok, json: (await response.json()) as Record<string, unknown> };
  };
  try {
    const peers = await rpc("swarm/peers");
    if (!peers.ok) return "offline (--offline): content this node lacks is not fetched, nothing is announced";
    const count = Array.isArray(peers.json.Peers) ? peers.json.Peers.length : 0;
    const id = await rpc("id");
    const addresses = (Array.isArray(id.json.Addresses) ? id.json.Addresses : []).map(String);
    const shown = addresses.slice(0, 4).join(", ");
    const more = addresses.length > 4 ? ` and ${addresses.length - 4} more` : "";
    return `online, ${count} peer${count === 1 ? "" : "s"} so far (the bootstrap peers are dialled in the background; ${apiUrl}/api/v0/swarm/peers lists them)\n                    swarm addresses: ${shown || "none"}${more}`;
  } catch (error) {
    return `unknown (the node's API did not answer: ${(error as Error).message})`;
  }
}

/** Publishes samples/ as Hardhat's first development account, through the same pipeline as `til import`. */
async function publishSamples(settings: ReturnType<typeof resolveSettings>, journal: Journal): Promise<string> {
  const chain = await connectChain(settings);
  try {
    const { summary } = await publishNotes(importFolder(path.join(projectRoot, "samples"), { git: false }), {
      journal,
      chain,
      author: authorWallet(chain, {}),
      ipfs: await connectIpfs(settings),
      print: () => {},
    });
    return `Samples: ${summary.published} published, ${summary.alreadyPublished} already there.`;
  } finally {
    chain.provider.destroy();
  }
}

function step(part: string): void {
  console.log(`starting ${part}...`);
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: Error) => {
    const known = error instanceof StackStartError || error instanceof SettingsError;
    console.error(known ? `\nnpm start: ${error.message}` : error);
    process.exit(1);
  },
);
