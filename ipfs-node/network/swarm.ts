/**
 * The node as an IPFS peer: a libp2p host (TCP and WebSocket listeners, Noise, Yamux, identify,
 * ping, Kad-DHT) with Bitswap, under the node's own identity key, so its peer ID is the one `id`
 * always reported. It is the store's {@link BlockNetwork}: blocks the store lacks are fetched from
 * connected peers and DHT providers over Bitswap, and from the configured trustless gateways, each
 * checked against its CID (Helia's block brokers verify before anything is stored) and stored
 * unpinned, so `repo gc` removes them. Pinned roots are announced to the DHT when pinned and again
 * every `provideIntervalMs` (Kubo's "roots" strategy).
 *
 * Helia here is a second, networking-only instance over the same block files: its datastore
 * (`<repo>/network`) holds the peer store and the DHT's provider records, nothing of the pins.
 *
 * No internet is normal, not an error: dial failures are logged only with TIL_IPFS_DEBUG, and the
 * daemon says how many peers it has.
 */
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { withBitswap } from "@helia/bitswap";
import { autoNAT } from "@libp2p/autonat";
import { fallbackRouter } from "@helia/fallback-router";
import { withLibp2pLight } from "@helia/libp2p";
import { trustlessGatewayBlockBroker } from "@helia/trustless-gateway-client";
import { identify, identifyPush } from "@libp2p/identify";
import { type AbortOptions, type Libp2p, NotFoundError, type PeerId } from "@libp2p/interface";
import { kadDHT, passthroughMapper, removePrivateAddressesMapper, type KadDHT } from "@libp2p/kad-dht";
import { noise } from "@libp2p/noise";
import { ping } from "@libp2p/ping";
import { tcp } from "@libp2p/tcp";
import { webSockets } from "@libp2p/websockets";
import { yamux } from "@libp2p/yamux";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight, type Helia, type Routing } from "helia";
import type { CID } from "multiformats/cid";
import { blockVerifier } from "#core/multihash.ts";
import { IpfsNodeError } from "../errors.ts";
import { loadPrivateKey } from "../identity.ts";
import type { BlockNetwork, IpfsStore } from "../store.ts";
import type { NetworkSettings } from "./settings.ts";
import { StoreBlockstore, type TransferCounters } from "./store-blockstore.ts";

/** Where libp2p's peer store keeps its records in the datastore. */
const PEERS_PREFIX = "/peers/";
/** Peer records kept in memory (about a kilobyte each). */
const MAX_PEER_RECORDS = 10_000;
/** The multiaddr code of /p2p/<peer ID>. */
const P2P_CODE = 421;
/** Below this many connections the bootstrap peers are dialled again (Kubo's MinPeerThreshold). */
const MIN_PEERS = 4;
const BOOTSTRAP_CHECK_MS = 30_000;
/** Roots waiting to be announced; beyond it they wait for the next scheduled round. */
const MAX_PROVIDE_QUEUE = 10_000;
const PROVIDE_CONCURRENCY = 4;
const PROVIDE_TIMEOUT_MS = 60_000;
/**
 * An announcement waits until no block has been fetched for this long (a mirror pinning many roots
 * would otherwise spend more on DHT announcements, its own and its peers' provider records, than
 * on fetching: half its throughput), but never longer than {@link PROVIDE_MAX_WAIT_MS}.
 */
const PROVIDE_QUIET_MS = 500;
const PROVIDE_MAX_WAIT_MS = 30_000;
/** The first scheduled round after start (Kubo waits a minute too). */
const FIRST_PROVIDE_ROUND_MS = 60_000;
/**
 * How long a wanted block is asked of the connected peers alone before providers are searched
 * (Kubo's Bitswap ProviderSearchDelay is 1 s; shorter here so a first read of content only a
 * stranger has stays near a second).
 */
const PROVIDER_SEARCH_DELAY_MS = 300;
/**
 * A block of a DAG being walked is asked first of the peer that sent the DAG's other blocks
 * alone, as Kubo's Bitswap sessions do; the other connected peers are asked too if that peer says
 * it does not have it or has not sent it within this time. Helia sends every want to every
 * connected peer: each of them (and this node, reading their "don't have") paid for every block,
 * which cost a mirror a third of its speed with one idle peer connected (bench:network).
 */
const SESSION_PEER_WAIT_MS = 500;
/** DAGs whose sending peer is remembered (the most recent). */
const MAX_DAG_PEERS = 4096;
/**
 * A block outside any known DAG (the root of the next pin of a mirror) is asked first of the peer
 * that sent a block within this time, alone, the same way: a mirror's roots mostly come from the
 * node that sent the previous ones, and each root broadcast cost every other peer a want, a
 * "don't have" and a cancel.
 */
const RECENT_SENDER_MS = 1_000;

type Services = { dht: KadDHT; identify: unknown; identifyPush: unknown; ping: unknown };

export interface SwarmStats {
  counters: TransferCounters;
  wantlist: CID[];
  bitswapPeers: string[];
  provideQueue: number;
}

/** The part of Helia's Bitswap the fetch path calls directly (see {@link Swarm.fetchBlock}). */
interface BitswapWants {
  wantList: {
    wantBlock(cid: CID, options?: AbortOptions): Promise<{ block: Uint8Array; connection: { remotePeer: PeerId } }>;
    /** The wants sent to each peer so far (by the base64 of their multihash), which sending skips. */
    peers: { entries(): Iterable<[PeerId, Set<string>]> };
    sendMessagesDebounced(): Promise<void>;
    addEventListener(type: "presence", listener: (event: CustomEvent<{ sender: PeerId; cid: CID; has: boolean }>) => void): void;
  };
  network: { findAndConnect(cid: CID, options?: AbortOptions & { [PROVIDER_SEARCH_NOW]?: boolean }): Promise<void> };
  notify(cid: CID, options?: AbortOptions): Promise<void>;
  getWantlist(): Array<{ cid: CID }>;
}

/** An option of a provider search that is already past {@link PROVIDER_SEARCH_DELAY_MS}. */
const PROVIDER_SEARCH_NOW = Symbol("provider search now");

export class Swarm implements BlockNetwork {
  readonly #helia: Helia & { libp2p: Libp2p<Services> };
  readonly #datastore: NetworkDatastore;
  readonly #settings: NetworkSettings;
  readonly #store: IpfsStore;
  readonly #counters: TransferCounters;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Roots to announce (CID string -> CID), in order. */
  readonly #toProvide = new Map<string, CID>();
  #providing = 0;
  /** Roots whose announcement failed (no DHT peers yet): tried again when a peer connects. */
  readonly #unannounced = new Map<string, CID>();
  #stopped = false;
  /** Blocks being fetched now, and when the last fetch ended (announcements wait for quiet). */
  #fetching = 0;
  #lastFetchEnded = 0;
  /** The first round of bootstrap dials: how many peers the node has after it. */
  firstBootstrap: Promise<number> = Promise.resolve(0);
  /** Bitswap itself, asked directly when no trustless gateway is listed. */
  readonly #bitswap: BitswapWants | undefined;
  /** The peer that last sent a block of a DAG being walked (by the DAG's root). */
  readonly #dagPeers = new Map<string, PeerId>();
  /** Wants asked of one peer alone (by Bitswap's want key): widened to every peer when it lacks the block. */
  readonly #peerOnlyWants = new Map<string, { peer: PeerId; widen: () => void }>();
  /** The peer that sent the last block fetched, and when. */
  #recentSender: { peer: PeerId; at: number } | undefined;

  private constructor(
    helia: Helia & { libp2p: Libp2p<Services> },
    datastore: NetworkDatastore,
    settings: NetworkSettings,
    store: IpfsStore,
    counters: TransferCounters,
  ) {
    this.#helia = helia;
    this.#datastore = datastore;
    this.#settings = settings;
    this.#store = store;
    this.#counters = counters;
    this.#bitswap = bitswapOf<BitswapWants>(helia);
    if (this.#bitswap && !(this.#bitswap.wantList.peers && typeof this.#bitswap.wantList.sendMessagesDebounced === "function"))
      throw new IpfsNodeError("this Helia Bitswap keeps no per-peer want lists: it cannot ask one peer alone");
    // a peer asked alone that says it lacks a block: ask every peer at once
    this.#bitswap?.wantList.addEventListener("presence", ({ detail }) => {
      if (detail.has) return;
      const asked = this.#peerOnlyWants.get(wantKey(detail.cid));
      if (asked?.peer.equals(detail.sender)) asked.widen();
    });
  }

  static async start(store: IpfsStore, settings: NetworkSettings): Promise<Swarm> {
    const datastore = new NetworkDatastore(path.join(store.repoPath, "network"));
    await datastore.open();
    const counters: TransferCounters = { blocksReceived: 0, dataReceived: 0, blocksSent: 0, dataSent: 0 };
    const gateways = settings.trustlessGateways;
    const blocks = new StoreBlockstore(store, counters);
    const helia = createHeliaLight({
      blockstore: blocks,
      datastore,
      // the gateways are not one of Helia's routers: Helia asks "fallback" routers only once every
      // other router has finished, and a DHT with an empty routing table waits for a peer first (so
      // with no peers the gateways were never asked); askConnectedPeersFirst names them at once
      routers: [],
      // gateways on this machine or the LAN are allowed: the user listed them, and every block is checked
      blockBrokers: gateways.length > 0 ? [trustlessGatewayBlockBroker({ allowInsecure: true, allowLocal: true })] : [],
    });
    const lan = settings.dht === "lan";
    const streams = { maxInboundStreams: settings.maxStreams, maxOutboundStreams: settings.maxStreams };
    const networked = withBitswap(
      withLibp2pLight(helia, {
        privateKey: await loadPrivateKey(store.repoPath),
        addresses: { listen: settings.swarm },
        transports: [tcp(), webSockets()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux(streams)],
        connectionManager: {
          maxConnections: settings.maxConnections,
          maxIncomingPendingConnections: Math.max(4, Math.ceil(settings.maxConnections / 8)),
          dialTimeout: 10_000,
        },
        services: {
          identify: identify(),
          identifyPush: identifyPush(),
          ping: ping(),
          // in auto mode, as Kubo: peers dial the addresses others see us at back, and a confirmed
          // public one turns the DHT to server mode
          ...(settings.dht === "auto" ? { autoNAT: autoNAT() } : {}),
          dht: kadDHT({
            clientMode: settings.dht === "auto" ? undefined : settings.dht === "client",
            peerInfoMapper: lan ? passthroughMapper : removePrivateAddressesMapper,
            // a private network may have a single peer
            allowQueryWithZeroPeers: lan,
            ...streams,
          }),
        },
      }),
      // wants added within 2 ms leave in one message (Helia waits 10 ms after the last, which a
      // DAG walk, whose wants for the next blocks go out together, paid at every round)
      { maxInboundStreams: settings.maxStreams, maxOutboundStreams: settings.maxStreams, maxWantlistSize: 1024, sendWantlistDebounce: 2 },
    ) as unknown as Helia & { libp2p: Libp2p<Services> };
    try {
      await networked.start();
    } catch (err) {
      await datastore.close().catch(() => {});
      // libp2p lists each address it could not listen on, with a stack: keep the addresses and reasons
      const failures = String((err as Error).message)
        .split("\n")
        .filter((line) => /^\s*\/(ip4|ip6|dns)/.test(line))
        .map((line) => line.trim());
      if (failures.length === 0) throw err;
      throw new IpfsNodeError(
        `the swarm cannot listen on ${failures.join("; ")}. Another IPFS node (Kubo?) may hold the port: give other addresses with --swarm (TIL_IPFS_SWARM), or run with --offline.`,
        { cause: err },
      );
    }
    askConnectedPeersFirst(networked, gateways.length > 0 ? fallbackRouter({ gateways, shuffle: false }) : undefined);
    serveFromStore(networked, blocks);
    const swarm = new Swarm(networked, datastore, settings, store, counters);
    swarm.#afterStart();
    return swarm;
  }

  #afterStart(): void {
    const libp2p = this.#helia.libp2p;
    libp2p.addEventListener("peer:connect", () => {
      if (this.#unannounced.size === 0) return;
      for (const [key, cid] of this.#unannounced) this.#queueProvide(key, cid);
      this.#unannounced.clear();
    });
    this.firstBootstrap = this.#bootstrap().then(() => this.#helia.libp2p.getPeers().length);
    this.#every(BOOTSTRAP_CHECK_MS, () => this.#bootstrap());
    const first = setTimeout(() => void this.#provideAllRoots(), FIRST_PROVIDE_ROUND_MS);
    first.unref();
    this.#timers.push(first);
    this.#every(this.#settings.provideIntervalMs, () => this.#provideAllRoots());
  }

  #every(ms: number, run: () => Promise<void>): void {
    const timer = setInterval(() => void run(), Math.min(ms, 2 ** 31 - 1));
    timer.unref();
    this.#timers.push(timer);
  }

  get libp2p(): Libp2p<Services> {
    return this.#helia.libp2p;
  }

  get peerId(): PeerId {
    return this.#helia.libp2p.peerId;
  }

  /** The multiaddrs the node listens on (with the real ports when 0 was asked), without /p2p/<id>. */
  listenAddresses(): string[] {
    return this.#helia.libp2p.getMultiaddrs().map((address) => address.decapsulateCode(P2P_CODE).toString());
  }

  /**
   * BlockNetwork: fetch a missing block from peers and gateways within the fetch timeout, checked
   * against its CID and stored (unpinned).
   *
   * With no trustless gateway listed, Bitswap's want list is asked directly, and providers are
   * searched only if no connected peer sent the block within PROVIDER_SEARCH_DELAY_MS (a timer
   * cleared when it arrives): Helia's generic path around it (a lock, a second presence check, a
   * race of one broker, a provider search started and aborted for every block, its signals and
   * abort errors) cost as much CPU as the transfer, and a mirror's pins on a loopback network
   * are CPU-bound (bench:network). Bitswap matches a received block to a want by digest alone,
   * so the bytes are hashed again here with the CID's own function.
   */
  async fetchBlock(cid: CID, signal?: AbortSignal, dag?: CID): Promise<Uint8Array> {
    const timeout = AbortSignal.timeout(this.#settings.fetchTimeoutMs);
    const fetchSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    this.#fetching++;
    let bytes: Uint8Array;
    try {
      bytes =
        this.#bitswap && this.#settings.trustlessGateways.length === 0
          ? await this.#wantFromPeers(this.#bitswap, cid, fetchSignal, dag?.toString())
          : await concatChunks(this.#helia.blockstore.get(cid, { signal: fetchSignal }));
    } finally {
      this.#fetching--;
      this.#lastFetchEnded = performance.now();
    }
    this.#counters.blocksReceived++;
    this.#counters.dataReceived += bytes.byteLength;
    return bytes;
  }

  async #wantFromPeers(bitswap: BitswapWants, cid: CID, signal: AbortSignal, dag: string | undefined): Promise<Uint8Array> {
    let search: AbortController | undefined;
    const startSearch = () => {
      search = new AbortController();
      bitswap.network
        .findAndConnect(cid, { signal: AbortSignal.any([signal, search.signal]), [PROVIDER_SEARCH_NOW]: true })
        .catch((err: Error) => debug(`provider search for ${cid}: ${err.message}`));
    };
    const timer = this.#helia.libp2p.getConnections().length > 0 ? setTimeout(startSearch, PROVIDER_SEARCH_DELAY_MS) : undefined;
    if (!timer) startSearch();
    const wanted = bitswap.wantList.wantBlock(cid, { signal });
    // the want is in the list now, and leaves in the next message: keep it from the other peers
    const sessionPeer = (dag === undefined ? undefined : this.#dagPeers.get(dag)) ?? this.#recentPeer();
    const askedAlone = sessionPeer ? this.#askOnly(bitswap, cid, sessionPeer) : undefined;
    let bytes: Uint8Array;
    let sender: PeerId;
    try {
      ({
        block: bytes,
        connection: { remotePeer: sender },
      } = await wanted);
    } finally {
      clearTimeout(timer);
      search?.abort();
      askedAlone?.();
    }
    await checkBlock(cid, bytes);
    if (dag !== undefined) this.#rememberDagPeer(dag, sender);
    this.#recentSender = { peer: sender, at: performance.now() };
    this.#store.putFetchedBlock(cid, bytes);
    // the block to peers that want it from this node
    queueMicrotask(() => void bitswap.notify(cid).catch((err: Error) => debug(`announce ${cid}: ${err.message}`)));
    return bytes;
  }

  /**
   * Let the want for `cid` (just added to Bitswap's list) go to `peer` only: it is recorded as sent
   * to every other connected peer, which Bitswap's sending skips, until `peer` says it lacks the
   * block or SESSION_PEER_WAIT_MS pass. Returns the function to call once the wait is over; Bitswap
   * itself forgets these records when the want ends.
   */
  #askOnly(bitswap: BitswapWants, cid: CID, peer: PeerId): () => void {
    const key = wantKey(cid);
    if (this.#peerOnlyWants.has(key) || this.#helia.libp2p.getConnections(peer).length === 0) return () => {};
    const heldFrom: Set<string>[] = [];
    for (const [other, sent] of bitswap.wantList.peers.entries()) {
      if (other.equals(peer) || sent.has(key)) continue;
      sent.add(key);
      heldFrom.push(sent);
    }
    const done = () => {
      clearTimeout(timer);
      if (this.#peerOnlyWants.get(key)?.peer === peer) this.#peerOnlyWants.delete(key);
    };
    const widen = () => {
      done();
      for (const sent of heldFrom) sent.delete(key);
      if (heldFrom.length > 0) void bitswap.wantList.sendMessagesDebounced();
      heldFrom.length = 0;
    };
    const timer = setTimeout(widen, SESSION_PEER_WAIT_MS);
    this.#peerOnlyWants.set(key, { peer, widen });
    return done;
  }

  #recentPeer(): PeerId | undefined {
    const recent = this.#recentSender;
    return recent && performance.now() - recent.at <= RECENT_SENDER_MS ? recent.peer : undefined;
  }

  #rememberDagPeer(dag: string, peer: PeerId): void {
    if (this.#dagPeers.get(dag)?.equals(peer)) return;
    this.#dagPeers.delete(dag);
    this.#dagPeers.set(dag, peer);
    if (this.#dagPeers.size > MAX_DAG_PEERS) this.#dagPeers.delete(this.#dagPeers.keys().next().value as string);
  }

  /** BlockNetwork: a root was pinned; announce it. */
  pinned(cid: CID): void {
    this.#queueProvide(cid.toString(), cid);
  }

  /** Announce one CID now (routing/provide). */
  async provide(cid: CID, signal?: AbortSignal): Promise<void> {
    await this.#helia.libp2p.contentRouting.provide(cid, { signal });
  }

  /** Peers that announced `cid` (routing/findprovs). */
  async *findProviders(cid: CID, signal?: AbortSignal): AsyncGenerator<{ id: string; addrs: string[] }> {
    for await (const provider of this.#helia.libp2p.contentRouting.findProviders(cid, { signal })) {
      yield { id: provider.id.toString(), addrs: [...new Set(provider.multiaddrs.map((address) => address.toString()))] };
    }
  }

  /** Open connections (swarm/peers). */
  connections(): Array<{ peer: string; address: string; direction: string; streams: string[]; rttMs?: number }> {
    return this.#helia.libp2p.getConnections().map((connection) => ({
      peer: connection.remotePeer.toString(),
      address: connection.remoteAddr.decapsulateCode(P2P_CODE).toString(),
      direction: connection.direction,
      streams: connection.streams.map((stream) => stream.protocol ?? ""),
      rttMs: connection.rtt,
    }));
  }

  async connect(address: Multiaddr, signal?: AbortSignal): Promise<void> {
    await this.#helia.libp2p.dial(address, { signal });
  }

  async disconnect(address: Multiaddr, signal?: AbortSignal): Promise<boolean> {
    const peer = address.getComponents().findLast((component) => component.name === "p2p")?.value;
    const connections = this.#helia.libp2p.getConnections().filter((connection) => {
      if (peer !== undefined) return connection.remotePeer.toString() === peer;
      return connection.remoteAddr.equals(address);
    });
    await Promise.all(connections.map((connection) => connection.close({ signal })));
    return connections.length > 0;
  }

  stats(): SwarmStats {
    const bitswap = this.#bitswap;
    const bitswapPeers = new Set<string>();
    for (const connection of this.#helia.libp2p.getConnections()) {
      if (connection.streams.some((stream) => stream.protocol?.startsWith("/ipfs/bitswap"))) bitswapPeers.add(connection.remotePeer.toString());
    }
    return {
      counters: { ...this.#counters },
      wantlist: (bitswap?.getWantlist() ?? []).map((entry) => entry.cid),
      bitswapPeers: [...bitswapPeers],
      // queued, and taken by a worker that waits for quiet or is announcing
      provideQueue: this.#toProvide.size + this.#providing,
    };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#toProvide.clear();
    await this.#helia.stop();
    await this.#datastore.close();
  }

  /** Dial the bootstrap peers not connected while the node has fewer than {@link MIN_PEERS}. */
  async #bootstrap(): Promise<void> {
    const libp2p = this.#helia.libp2p;
    if (this.#stopped || libp2p.getConnections().length >= MIN_PEERS) return;
    const connected = new Set(libp2p.getPeers().map((peer) => peer.toString()));
    await Promise.all(
      this.#settings.bootstrap.map(async (text) => {
        const address = multiaddr(text);
        const peer = address.getComponents().findLast((component) => component.name === "p2p")?.value;
        if (peer !== undefined && connected.has(peer)) return;
        try {
          await libp2p.dial(address, { signal: AbortSignal.timeout(15_000) });
        } catch (err) {
          debug(`bootstrap: could not dial ${text}: ${(err as Error).message}`);
        }
      }),
    );
  }

  #queueProvide(key: string, cid: CID): void {
    if (this.#stopped || this.#toProvide.has(key) || this.#toProvide.size >= MAX_PROVIDE_QUEUE) return;
    this.#toProvide.set(key, cid);
    while (this.#providing < PROVIDE_CONCURRENCY && this.#toProvide.size > 0) void this.#provideNext();
  }

  async #provideNext(): Promise<void> {
    this.#providing++;
    try {
      while (!this.#stopped && this.#toProvide.size > 0) {
        const [key, cid] = this.#toProvide.entries().next().value as [string, CID];
        this.#toProvide.delete(key);
        try {
          // the DHT records this node as a provider locally first (peers asking it learn it at
          // once); with no peer to send the record to, it is sent again when one connects
          await this.#fetchesQuiet();
          if (this.#stopped) return;
          const alone = this.#helia.libp2p.getConnections().length === 0;
          await this.provide(cid, AbortSignal.timeout(PROVIDE_TIMEOUT_MS));
          if (alone && this.#unannounced.size < MAX_PROVIDE_QUEUE) this.#unannounced.set(key, cid);
        } catch (err) {
          debug(`provide ${key}: ${(err as Error).message}`);
          if (this.#unannounced.size < MAX_PROVIDE_QUEUE) this.#unannounced.set(key, cid);
        }
      }
    } finally {
      this.#providing--;
    }
  }

  /** Resolves once no block was fetched for {@link PROVIDE_QUIET_MS}, or after {@link PROVIDE_MAX_WAIT_MS}. */
  async #fetchesQuiet(): Promise<void> {
    const deadline = performance.now() + PROVIDE_MAX_WAIT_MS;
    while (!this.#stopped && performance.now() < deadline && (this.#fetching > 0 || performance.now() - this.#lastFetchEnded < PROVIDE_QUIET_MS)) {
      await delay(100);
    }
  }

  /** One scheduled round: every pinned root (recursive and direct) is announced again. */
  async #provideAllRoots(): Promise<void> {
    try {
      for await (const { cid } of this.#store.listPins(new Set(["recursive", "direct"]))) {
        if (this.#stopped) return;
        // wait for room rather than let the queue hold every root of a large repo
        while (this.#toProvide.size >= MAX_PROVIDE_QUEUE / 2) await new Promise((resolve) => setTimeout(resolve, 1000));
        this.#queueProvide(cid.toString(), cid);
      }
    } catch (err) {
      debug(`scheduled provide: ${(err as Error).message}`);
    }
  }
}

/**
 * Tune Helia's fetch path the way Kubo's Bitswap works: the trustless gateways the user listed are
 * named first, at once (each an HTTP provider of every CID; the gateway broker tries them in order
 * before it pulls the next provider); then a wanted block is asked of the connected peers, and the
 * DHT is searched only if none has answered within {@link PROVIDER_SEARCH_DELAY_MS} (Helia searches
 * at once, for every block, which costs each block of a DAG a DHT query); and a block that arrived
 * is announced to the brokers (Bitswap's cancels to the other peers) in the background, not before
 * the reader gets it.
 */
function askConnectedPeersFirst(helia: Helia & { libp2p: Libp2p<Services> }, gateways: { findProviders?: Routing["findProviders"] } | undefined): void {
  const routing = helia.routing;
  const findProviders = routing.findProviders.bind(routing);
  routing.findProviders = async function* (cid, options) {
    if (gateways?.findProviders) yield* gateways.findProviders(cid, options);
    const searchNow = (options as { [PROVIDER_SEARCH_NOW]?: boolean } | undefined)?.[PROVIDER_SEARCH_NOW] === true;
    if (!searchNow && helia.libp2p.getConnections().length > 0) await delay(PROVIDER_SEARCH_DELAY_MS, undefined, { signal: options?.signal });
    yield* findProviders(cid, options);
  };
  for (const broker of (helia as unknown as { blockBrokers: Array<{ announce?: (cid: CID, options?: unknown) => Promise<void> }> }).blockBrokers) {
    const announce = broker.announce?.bind(broker);
    if (!announce) continue;
    broker.announce = async (cid, options) => {
      void announce(cid, options).catch((err: Error) => debug(`announce ${cid}: ${err.message}`));
    };
  }
}

/** Helia's Bitswap (its block broker's), seen through the parts of it this file uses. */
function bitswapOf<T>(helia: Helia): T | undefined {
  return (helia as unknown as { blockBrokers: Array<{ name: string; bitswap?: T }> }).blockBrokers.find((broker) => broker.name === "bitswap")?.bitswap;
}

/**
 * Bitswap answers peers' wants from the store's blocks directly, not through Helia's blockstore:
 * Helia's takes a lock, checks for identity CIDs and makes an error for every block it lacks, and
 * Bitswap checks each want a peer sent that this node lacks again at every message from that peer
 * (a mirror next to this node sent thousands), which made serving "don't have" cost more CPU than
 * the mirror's own transfer (bench:network). The store's blocks need no lock (gc keeps what is
 * read), and StoreBlockstore knows identity CIDs.
 */
function serveFromStore(helia: Helia, blocks: StoreBlockstore): void {
  const bitswap = bitswapOf<{ peerWantLists?: PeerWantLists }>(helia);
  const wantLists = bitswap?.peerWantLists;
  if (!wantLists || !("blockstore" in wantLists) || typeof wantLists.receiveMessage !== "function" || typeof wantLists.wantListForPeer !== "function")
    throw new IpfsNodeError("this Helia Bitswap has no peer want lists to serve from the store");
  wantLists.blockstore = blocks;
  // A peer's want for a block sent to it more than Bitswap's do-not-resend window (5 s) ago is a
  // new want. Helia's ledger keeps a sent want until the next message from that peer, merges the
  // new want into it, then drops both as expired: the block was never sent again, and the peer
  // waited for its fetch timeout (a mirror run again after gc, a read after gc: 30 s stalls).
  // Expired wants are dropped first (wantListForPeer does that), so the new one is kept.
  const receiveMessage = wantLists.receiveMessage.bind(wantLists);
  wantLists.receiveMessage = (peer, message) => {
    wantLists.wantListForPeer(peer);
    receiveMessage(peer, message);
  };
}

/** The part of Helia's Bitswap peer want lists (its ledgers of what each peer wants) used here. */
interface PeerWantLists {
  blockstore: unknown;
  receiveMessage(peer: PeerId, message: unknown): void;
  /** The peer's wants, its expired ones dropped first. */
  wantListForPeer(peer: PeerId): unknown;
}

/**
 * The networking datastore: files under `<repo>/network` (the DHT's provider records), but the peer
 * store (`/peers/...`) in memory, as Kubo keeps its peerstore: libp2p reads (and often rewrites) a
 * peer's record at every stream opened, and Bitswap opens one per message, which made a file read
 * and write per block sent or received. Peers are learned again from the bootstrap list and the DHT
 * after a restart. At most {@link MAX_PEER_RECORDS} records: the oldest is forgotten first.
 */
type Key = Parameters<FsDatastore["put"]>[0];
type Query = Parameters<FsDatastore["_all"]>[0];

class NetworkDatastore extends FsDatastore {
  readonly #peers = new Map<string, { key: Key; value: Uint8Array }>();

  override async put(key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    const name = key.toString();
    if (!name.startsWith(PEERS_PREFIX)) return super.put(key, value, options);
    this.#peers.delete(name);
    this.#peers.set(name, { key, value });
    if (this.#peers.size > MAX_PEER_RECORDS) this.#peers.delete(this.#peers.keys().next().value as string);
    return key;
  }

  override async get(key: Key, options?: AbortOptions): Promise<Uint8Array> {
    const name = key.toString();
    if (!name.startsWith(PEERS_PREFIX)) return super.get(key, options);
    const record = this.#peers.get(name);
    if (record === undefined) throw new NotFoundError(`no peer record ${name}`);
    return record.value;
  }

  override async has(key: Key, options?: AbortOptions): Promise<boolean> {
    const name = key.toString();
    return name.startsWith(PEERS_PREFIX) ? this.#peers.has(name) : super.has(key, options);
  }

  override async delete(key: Key, options?: AbortOptions): Promise<void> {
    const name = key.toString();
    if (name.startsWith(PEERS_PREFIX)) this.#peers.delete(name);
    else await super.delete(key, options);
  }

  override async *_all(query: Query, options?: AbortOptions): AsyncGenerator<{ key: Key; value: Uint8Array }> {
    const prefix = query.prefix;
    if (!prefix?.startsWith(PEERS_PREFIX)) {
      yield* super._all(query, options);
      return;
    }
    for (const [name, record] of [...this.#peers]) if (name.startsWith(prefix)) yield { key: record.key, value: record.value };
  }
}

/** Bitswap's key for a want: the base64 (no padding) of the CID's multihash. */
function wantKey(cid: CID): string {
  const bytes = cid.multihash.bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64").replace(/=+$/, "");
}

/** A fetched block's bytes against its CID (core/multihash.ts); throws when they do not hash to it. */
async function checkBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  if (!(await blockVerifier(cid)(bytes))) throw new IpfsNodeError(`a peer sent bytes that do not hash to ${cid}`);
}

async function concatChunks(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

function debug(message: string): void {
  if (process.env.TIL_IPFS_DEBUG) console.error(`ipfs node: ${message}`);
}
