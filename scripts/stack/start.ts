/**
 * `npm start`: the whole dApp locally. Starts a Hardhat node, deploys the registry through its
 * Ignition module, starts the embedded IPFS node, restores the entries published before, prints
 * what runs where, and stops everything on Ctrl-C.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { hostPortUrl, resolveSettings, SettingsError } from "../../core/config.ts";
import { DEPLOYMENT_FILE_NAME } from "../../core/contract/deployment.ts";
import { providerFor } from "../chain/registry.ts";
import { Journal, JOURNAL_FILE_NAME } from "../publishing/journal.ts";
import { authorWallet, connectChain, connectIpfs } from "../publishing/context.ts";
import { publishNotes } from "../publishing/publish-entries.ts";
import { importFolder } from "../../core/import/folder.node.ts";
import { tilNodeFlags } from "../../ipfs-node/node-flags.ts";
import { deployToLocalNode } from "./deploy.ts";
import { recordPublishedEntries, restoreEntries } from "./entry-history.ts";
import { assertPortFree, rpcAnswers, startProcess, StackStartError, type ManagedProcess } from "./processes.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const LOCAL_CHAIN_ID = 31337;

const USAGE = `Usage: npm start -- [options]

Starts the local stack: a Hardhat node with the TodayILearned registry deployed, and the embedded
IPFS node (RPC API and gateway). Stops everything on Ctrl-C.

Options (each also read from the environment variable in brackets):
  --home DIR             local state folder [TIL_HOME], default .til/ in the project
  --chain-port PORT      Hardhat node port on 127.0.0.1 [TIL_CHAIN_PORT], default 8545
  --api HOST:PORT        IPFS RPC API [TIL_IPFS_API], default 127.0.0.1:5001
  --gateway HOST:PORT    IPFS gateway [TIL_IPFS_GATEWAY], default 127.0.0.1:8080
  --app-port PORT        web app (Vite dev server) on 127.0.0.1 [TIL_APP_PORT], default 5173
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
    projectRoot,
    process.cwd(),
  );
  const { chainPort, appPort } = settings;
  const rpcUrl = `http://127.0.0.1:${chainPort}`;
  const logs = path.join(settings.home, "logs");
  await mkdir(logs, { recursive: true });

  await assertPortFree("127.0.0.1", chainPort, "Hardhat node", "--chain-port / TIL_CHAIN_PORT");
  await assertPortFree(settings.ipfsApi.host, settings.ipfsApi.port, "IPFS RPC API", "--api / TIL_IPFS_API");
  await assertPortFree(settings.ipfsGateway.host, settings.ipfsGateway.port, "IPFS gateway", "--gateway / TIL_IPFS_GATEWAY");
  await assertPortFree("127.0.0.1", appPort, "web app", "--app-port / TIL_APP_PORT");

  const running: ManagedProcess[] = [];
  let stopRecording: (() => Promise<void>) | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stopRecording?.();
    await Promise.all(running.map((p) => p.stop()));
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
        ],
        logFile: path.join(logs, "ipfs-node.log"),
        ready: async () => (await fetch(`${apiUrl}/api/v0/id`, { method: "POST", signal: AbortSignal.timeout(2_000) })).ok,
      }),
    );

    step("registry (Ignition)");
    const deployment = await deployToLocalNode(rpcUrl);
    if (deployment.chainId !== LOCAL_CHAIN_ID) throw new StackStartError(`The Hardhat node reports chain ${deployment.chainId}, expected ${LOCAL_CHAIN_ID}.`);
    const deploymentFile = path.join(settings.home, DEPLOYMENT_FILE_NAME);
    await writeFile(deploymentFile, JSON.stringify(deployment, null, 2) + "\n");

    const provider = providerFor(rpcUrl, deployment.chainId);
    const firstRun = !existsSync(path.join(settings.home, JOURNAL_FILE_NAME));
    const journal = await Journal.open(settings.home);
    const { restored, authors } = await restoreEntries(journal, provider, deployment);
    let samples = "";
    if (values["with-samples"]) {
      step("sample entries");
      samples = `\n  ${await publishSamples(settings, journal)}`;
    } else if (firstRun) {
      samples = "\n  First run: `npm start -- --with-samples` publishes a few sample entries, so the app has something to show.";
    }
    stopRecording = recordPublishedEntries(journal, provider, deployment);

    step("web app (Vite)");
    const appUrl = `http://127.0.0.1:${appPort}/`;
    running.push(
      await startProcess({
        name: "web app",
        command: process.execPath,
        args: [path.join(projectRoot, "node_modules", "vite", "bin", "vite.js"), path.join(projectRoot, "frontend"), "--host", "127.0.0.1", "--port", String(appPort), "--strictPort"],
        logFile: path.join(logs, "app.log"),
        env: {
          ...process.env,
          VITE_TIL_CHAIN_ID: String(deployment.chainId),
          VITE_TIL_RPC_URL: rpcUrl,
          VITE_TIL_CONTRACT_ADDRESS: deployment.address,
          VITE_TIL_DEPLOY_BLOCK: String(deployment.deployBlock),
          VITE_TIL_IPFS_API: apiUrl,
          VITE_TIL_GATEWAYS: [hostPortUrl(settings.ipfsGateway), process.env.VITE_TIL_GATEWAYS ?? "https://trustless-gateway.link,https://ipfs.io"].join(","),
        },
        ready: async () => (await fetch(appUrl, { signal: AbortSignal.timeout(2_000) })).ok,
      }),
    );
    if (!settings.ipfsApiAllowedOrigins.includes(`http://127.0.0.1:${appPort}`)) {
      samples += `\n  Note: the IPFS RPC API does not allow http://127.0.0.1:${appPort}; publishing from the app needs it in TIL_IPFS_API_ORIGINS.`;
    }

    console.log(`
TIL local stack is running.

  Chain RPC         ${rpcUrl}  (chain id ${deployment.chainId}, Hardhat node)
  Registry          ${deployment.address}
  IPFS RPC API      ${apiUrl}
  IPFS gateway      ${hostPortUrl(settings.ipfsGateway)}
  Web app           ${appUrl}
  Deployment file   ${deploymentFile}
  Local state       ${settings.home}  (logs in ${logs})

  Restored ${restored} entr${restored === 1 ? "y" : "ies"} of ${authors} author${authors === 1 ? "" : "s"} published before.${samples}

Wallet: add the network "TIL local" with RPC URL ${rpcUrl} and chain id ${deployment.chainId}, then import one of
the Hardhat node's development accounts (their private keys are in ${path.join(logs, "hardhat-node.log")};
they are public test keys: never send real funds to them).

Press Ctrl-C to stop.`);
    return -1;
  } catch (error) {
    stopping = true;
    await stopRecording?.();
    await Promise.all(running.map((p) => p.stop()));
    throw error;
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
