/**
 * The network commands of the Kubo RPC API, with Kubo's arguments and output: `swarm/peers`,
 * `swarm/connect`, `swarm/disconnect`, `swarm/addrs/listen`, `routing/findprovs` (NDJSON query
 * events), `routing/provide`, `bitswap/stat`. Offline, each fails as Kubo's do.
 */
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { IpfsNodeError, InvalidArgumentError } from "../errors.ts";
import { parseIpfsPath } from "../ipfs-path.ts";
import type { Swarm } from "../network/swarm.ts";
import type { IpfsStore } from "../store.ts";
import { boolOption, intOption, NdjsonStream, requiredArgs, sendJson, type RpcHandler, type RpcRequest } from "./http-io.ts";

/** Kubo's ErrNotOnline. */
class NotOnlineError extends IpfsNodeError {
  static name = "NotOnlineError";
  constructor() {
    super("this action must be run in online mode, try running 'ipfs daemon' first");
    this.name = "NotOnlineError";
  }
}

/** go-libp2p's routing.QueryEventType values. */
const QUERY_EVENT = { finalPeer: 2, queryError: 3, provider: 4 } as const;
/** Kubo's default of `routing/findprovs --num-providers`. */
const DEFAULT_NUM_PROVIDERS = 20;
/** Most addresses one swarm/connect or swarm/disconnect takes. */
const MAX_ADDRESSES = 64;

export function createNetworkRoutes(store: IpfsStore, swarm: Swarm | undefined): Record<string, RpcHandler> {
  const online = (handler: (swarm: Swarm, request: RpcRequest) => Promise<void>): RpcHandler => {
    return async (request) => {
      if (!swarm) throw new NotOnlineError();
      await handler(swarm, request);
    };
  };
  return {
    "swarm/peers": online(async (swarm, { res, query }) => {
      const verbose = boolOption(query, "verbose", false);
      const latency = verbose || boolOption(query, "latency", false);
      const streams = verbose || boolOption(query, "streams", false);
      const direction = verbose || boolOption(query, "direction", false);
      sendJson(res, {
        Peers: swarm.connections().map((connection) => ({
          Addr: connection.address,
          Peer: connection.peer,
          Latency: latency && connection.rttMs !== undefined ? `${connection.rttMs}ms` : "",
          Muxer: "",
          // go-libp2p's network.Direction: 1 inbound, 2 outbound
          Direction: direction ? (connection.direction === "inbound" ? 1 : 2) : 0,
          Streams: streams ? connection.streams.map((protocol) => ({ Protocol: protocol })) : null,
        })),
      });
    }),
    "swarm/connect": online(async (swarm, { res, query, signal }) => {
      const strings: string[] = [];
      for (const address of addressArgs(query)) {
        const peer = peerOf(address);
        if (!peer) throw new InvalidArgumentError(`${address}: the address must end in /p2p/<peer ID>`);
        try {
          await swarm.connect(address, signal);
        } catch (err) {
          throw new IpfsNodeError(`connect ${peer} failure: ${(err as Error).message}`);
        }
        strings.push(`connect ${peer} success`);
      }
      sendJson(res, { Strings: strings });
    }),
    "swarm/disconnect": online(async (swarm, { res, query, signal }) => {
      const strings: string[] = [];
      for (const address of addressArgs(query)) {
        const closed = await swarm.disconnect(address, signal);
        const who = peerOf(address) ?? address.toString();
        strings.push(closed ? `disconnect ${who} success` : `disconnect ${who} failure: not connected`);
      }
      sendJson(res, { Strings: strings });
    }),
    "swarm/addrs/listen": online(async (swarm, { res }) => {
      sendJson(res, { Strings: swarm.listenAddresses() });
    }),
    "routing/findprovs": online(async (swarm, { res, query, signal }) => {
      const [key] = requiredArgs(query, "key");
      const cid = parseIpfsPath(key).root;
      const wanted = intOption(query, "num-providers") ?? DEFAULT_NUM_PROVIDERS;
      if (wanted < 1) throw new InvalidArgumentError("number of providers must be greater than 0");
      const output = new NdjsonStream(res);
      const seen = new Set<string>();
      try {
        for await (const provider of swarm.findProviders(cid, signal)) {
          if (seen.has(provider.id)) continue;
          seen.add(provider.id);
          await output.write({ Extra: "", ID: "", Responses: [{ Addrs: provider.addrs, ID: provider.id }], Type: QUERY_EVENT.provider });
          if (seen.size >= wanted) break;
        }
      } catch (err) {
        if (signal.aborted) throw err;
        await output.write({ Extra: (err as Error).message, ID: "", Responses: null, Type: QUERY_EVENT.queryError });
      }
      output.end();
    }),
    "routing/provide": online(async (swarm, { res, query, signal }) => {
      const recursive = boolOption(query, "recursive", false);
      const keys = requiredArgs(query, "key").map((key) => parseIpfsPath(key).root);
      for (const cid of keys) {
        if (!(await store.hasBlock(cid))) throw new IpfsNodeError(`block was not found locally (offline): ipld: could not find ${cid}`);
      }
      const announce = new Set<string>();
      const cids = [];
      for (const root of keys) {
        for await (const cid of recursive ? store.walkDag(root, signal) : [root]) {
          if (announce.has(cid.toString())) continue;
          announce.add(cid.toString());
          cids.push(cid);
        }
      }
      if (swarm.libp2p.getConnections().length === 0) throw new IpfsNodeError("cannot provide, no connected peers");
      const output = new NdjsonStream(res);
      for (const cid of cids) await swarm.provide(cid, signal);
      await output.write({ Extra: "", ID: swarm.peerId.toString(), Responses: null, Type: QUERY_EVENT.finalPeer });
      output.end();
    }),
    "bitswap/stat": online(async (swarm, { res }) => {
      const stats = swarm.stats();
      sendJson(res, {
        BlocksReceived: stats.counters.blocksReceived,
        BlocksSent: stats.counters.blocksSent,
        DataReceived: stats.counters.dataReceived,
        DataSent: stats.counters.dataSent,
        DupBlksReceived: 0,
        DupDataReceived: 0,
        MessagesReceived: 0,
        Peers: stats.bitswapPeers,
        ProvideBufLen: stats.provideQueue,
        Wantlist: stats.wantlist.map((cid) => ({ "/": cid.toString() })),
      });
    }),
  };
}

function addressArgs(query: URLSearchParams): Multiaddr[] {
  const args = requiredArgs(query, "address");
  if (args.length > MAX_ADDRESSES) throw new InvalidArgumentError(`${args.length} addresses; at most ${MAX_ADDRESSES} at once`);
  return args.map((arg) => {
    try {
      return multiaddr(arg);
    } catch (err) {
      throw new InvalidArgumentError(`"${arg}" is not a multiaddr: ${(err as Error).message}`);
    }
  });
}

function peerOf(address: Multiaddr): string | undefined {
  return address.getComponents().findLast((component) => component.name === "p2p")?.value;
}
