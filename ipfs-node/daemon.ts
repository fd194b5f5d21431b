/**
 * Start the embedded IPFS node: open the store, then the Kubo RPC API and the gateway servers.
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";
import { hostPortUrl, type TilSettings } from "#core/config.ts";
import { createGatewayServer } from "./gateway/server.ts";
import { loadOrCreateIdentity, type NodeIdentity } from "./identity.ts";
import type { NetworkSettings } from "./network/settings.ts";
import { Swarm } from "./network/swarm.ts";
import { multiaddr } from "@multiformats/multiaddr";
import { httpMultiaddr } from "./pinning/origins.ts";
import { createPinningServer } from "./pinning/server.ts";
import { PinningService } from "./pinning/service.ts";
import { createRpcServer } from "./rpc/server.ts";
import { IpfsStore } from "./store.ts";

export type DaemonSettings = Pick<TilSettings, "ipfsRepo" | "ipfsApi" | "ipfsGateway" | "ipfsApiAllowedOrigins" | "ipfsUploadLimitBytes" | "ipfsPinningApi"> & {
  network: NetworkSettings;
};

export interface RunningDaemon {
  identity: NodeIdentity;
  /** `http://host:port` of the RPC API, with the real port when 0 was asked. */
  apiUrl: string;
  gatewayUrl: string;
  /** `http://host:port` of the Pinning Service API, when the node serves it (--pinning-api). */
  pinningApiUrl?: string;
  store: IpfsStore;
  /** The libp2p peer; undefined when offline. */
  swarm?: Swarm;
  stop(): Promise<void>;
}

/** How long the pinning service tries to dial one libp2p origin of a request. */
const ORIGIN_DIAL_MS = 5_000;

export async function startDaemon(settings: DaemonSettings): Promise<RunningDaemon> {
  // a library's stray rejection (e.g. a background job of a failed request) must not stop the node
  process.on("unhandledRejection", (reason) => {
    console.error(`ipfs node: ignored an unhandled rejection: ${(reason as Error)?.message ?? reason}`);
  });
  const store = await IpfsStore.open(settings.ipfsRepo);
  const servers: http.Server[] = [];
  let swarm: Swarm | undefined;
  try {
    const identity = await loadOrCreateIdentity(settings.ipfsRepo);
    if (!settings.network.offline) {
      swarm = await Swarm.start(store, settings.network);
      store.attachNetwork(swarm);
    }
    // what this node tells pinning services (origins) and its pinning clients (delegates): its
    // trustless gateway as an /http multiaddr, known once the gateway listens
    let ownAddresses: string[] = [];
    const rpc = createRpcServer({
      store,
      identity,
      allowedOrigins: settings.ipfsApiAllowedOrigins,
      uploadLimitBytes: settings.ipfsUploadLimitBytes,
      ownAddresses: () => ownAddresses,
      swarm,
    });
    // an add of a large file may upload for longer than Node's 300 s request timeout (Kubo sets
    // none); a slow upload holds no lock (gc and other adds go on), and headers must still come
    // within Node's 60 s
    rpc.requestTimeout = 0;
    servers.push(rpc);
    const apiUrl = await listen(rpc, settings.ipfsApi.host, settings.ipfsApi.port);
    const gateway = createGatewayServer({ store });
    servers.push(gateway);
    const gatewayUrl = await listen(gateway, settings.ipfsGateway.host, settings.ipfsGateway.port);
    ownAddresses = [httpMultiaddr(gatewayUrl, identity.peerId), ...(swarm?.listenAddresses().map((address) => `${address}/p2p/${identity.peerId}`) ?? [])];
    let pinning: PinningService | undefined;
    let pinningApiUrl: string | undefined;
    if (settings.ipfsPinningApi) {
      const peer = swarm;
      pinning = await PinningService.open({
        store,
        delegates: () => ownAddresses,
        // a request's libp2p origins are dialled first (best effort, bounded), so Bitswap asks them
        connect: peer && ((address, signal) => peer.connect(multiaddr(address), AbortSignal.any([signal, AbortSignal.timeout(ORIGIN_DIAL_MS)]))),
      });
      const pinningServer = createPinningServer(pinning);
      servers.push(pinningServer);
      pinningApiUrl = await listen(pinningServer, settings.ipfsPinningApi.host, settings.ipfsPinningApi.port);
    }
    return {
      identity,
      apiUrl,
      gatewayUrl,
      pinningApiUrl,
      store,
      swarm,
      async stop() {
        pinning?.close();
        await Promise.all(servers.map(close));
        store.attachNetwork(undefined);
        await swarm?.stop();
        await store.close();
      },
    };
  } catch (err) {
    await Promise.all(servers.map(close));
    store.attachNetwork(undefined);
    await swarm?.stop().catch(() => {});
    await store.close();
    throw err;
  }
}

function listen(server: http.Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      resolve(hostPortUrl({ host: address.address, port: address.port }));
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
