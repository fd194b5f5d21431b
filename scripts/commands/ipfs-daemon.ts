/**
 * `til ipfs daemon`: the embedded IPFS node (Helia on disk behind the Kubo RPC API and an HTTP
 * gateway) as a foreground process, like `ipfs daemon`.
 */
import { resolveSettings, type TilSettingsFlags } from "#core/config.ts";
import { resolveNetworkSettings, type NetworkFlags } from "../../ipfs-node/network/settings.ts";

/** `til ipfs daemon`: runs the IPFS node until SIGINT/SIGTERM, printing what it listens on as Kubo does. */
export async function runIpfsDaemon(flags: TilSettingsFlags & { network?: NetworkFlags }): Promise<number> {
  const settings = resolveSettings(flags, process.env, process.cwd());
  const network = resolveNetworkSettings(flags.network ?? {}, process.env);
  const { startDaemon } = await import("../../ipfs-node/daemon.ts");
  const daemon = await startDaemon({ ...settings, network });
  console.log(`Repo: ${settings.ipfsRepo}`);
  console.log(`Peer identity: ${daemon.identity.peerId}`);
  if (!daemon.swarm) console.log("Running in offline mode: no peers, missing blocks fail at once.");
  else {
    for (const address of daemon.swarm.listenAddresses()) console.log(`Swarm listening on ${address}`);
    console.log(
      `Bootstrap: ${network.bootstrap.length === 0 ? "none" : `${network.bootstrap.length} peer${network.bootstrap.length === 1 ? "" : "s"}`}; DHT mode ${network.dht}`,
    );
  }
  console.log(`RPC API server listening on ${toMultiaddr(daemon.apiUrl)}`);
  console.log(`Gateway server listening on ${toMultiaddr(daemon.gatewayUrl)}`);
  if (daemon.pinningApiUrl) console.log(`Pinning Service API listening on ${toMultiaddr(daemon.pinningApiUrl)}`);
  if (!isLoopback(settings.ipfsApi.host)) {
    console.log(`WARNING: the RPC API is an admin interface (it can add, pin and delete); ${settings.ipfsApi.host} is reachable from other machines.`);
  }
  console.log("Daemon is ready");
  // without internet (or with no bootstrap peers) this says 0 peers: not an error, the node serves what it has
  void daemon.swarm?.firstBootstrap.then((peers) => console.log(`Connected to ${peers} peer${peers === 1 ? "" : "s"}`));
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        console.log(`Received ${signal} again, exiting now.`);
        process.exit(1);
      }
      stopping = true;
      console.log(`Received ${signal}, shutting down...`);
      daemon.stop().then(resolve, (err) => {
        console.error(`error while stopping: ${(err as Error).message}`);
        resolve();
      });
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

function toMultiaddr(url: string): string {
  const { hostname, port } = new URL(url);
  const host = hostname.replace(/^\[|\]$/g, "");
  return `/${host.includes(":") ? "ip6" : "ip4"}/${host}/tcp/${port}`;
}
