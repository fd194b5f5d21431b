/**
 * `til site <folder>`: the registry's entries as a static website with Atom, JSON Feed and RSS
 * feeds (core/site), read verified through the gateways like `ls` and `export`: an entry that is
 * refused or unavailable is reported and left out, and the build goes on. The folder is written
 * incrementally (only changed files), `--pin` adds it to the IPFS node as one CIDv1 directory and
 * prints how to publish it (gateway URLs, DNSLink record, ENS contenthash); `--watch` rebuilds when
 * new entries are published, until Ctrl-C.
 */
import path from "node:path";
import type { KuboRPCClient } from "kubo-rpc-client";
import { cidToDigest } from "#core/cid.ts";
import { hostPortUrl, type TilSettings } from "#core/config.ts";
import { forEachConcurrently } from "#core/concurrency.ts";
import { checkImage, parseNote } from "#core/entry/index.ts";
import { isolatedGatewayUrl, subdomainLabel } from "#core/gateway-url.ts";
import { EntryLimitError, listEntryFiles, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { buildSite, ensContenthash, isSafeRelativePath, type SiteConfig, type SiteEntry, type SiteFile } from "#core/site/index.ts";
import { readSiteMarker, SiteFolderError, type WriteReport, writeSite, writeSiteMarker } from "#core/site/write.node.ts";
import { listPublishedEntries, listRevisions, type PublishedEvent } from "../chain/registry.ts";
import { type ChainContext, connectChain, connectIpfs, gatewayUrls } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { terminalJson, terminalLine } from "../cli/terminal-text.ts";

export interface SiteOptions {
  author?: string;
  tag?: string;
  title?: string;
  description?: string;
  baseUrl?: string;
  authorNames: string[];
  publicGateway?: string;
  pin?: boolean;
  watch?: boolean;
  /** Seconds between polls of the registry with --watch. */
  interval?: string;
}

const ENTRY_READS_AT_ONCE = 8;

export async function runSite(settings: TilSettings, positionals: string[], options: SiteOptions): Promise<number> {
  if (positionals.length !== 1) throw new CliError(EXIT_CODES.usage, "Name the folder to build the site into: npm run til -- site my-site");
  const out = path.resolve(positionals[0]);
  if (options.author !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.author))
    throw new CliError(EXIT_CODES.usage, terminalLine(`--author takes an address (0x and 40 hex digits), not "${options.author}".`));
  const authorNames: Record<string, string> = {};
  for (const pair of options.authorNames) {
    const match = /^(0x[0-9a-fA-F]{40})=(.+)$/s.exec(pair);
    if (!match) throw new CliError(EXIT_CODES.usage, terminalLine(`--author-name takes ADDRESS=NAME, not "${pair}".`));
    authorNames[match[1].toLowerCase()] = match[2];
  }
  let baseUrl: string | undefined;
  if (options.baseUrl !== undefined) {
    const url = URL.parse(options.baseUrl);
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:"))
      throw new CliError(EXIT_CODES.usage, terminalLine(`--base-url takes an absolute http(s) URL, not "${options.baseUrl}".`));
    baseUrl = url.href.endsWith("/") ? url.href : `${url.href}/`;
  }
  const publicGateway = options.publicGateway ?? "https://dweb.link";
  if (!URL.canParse(publicGateway)) throw new CliError(EXIT_CODES.usage, terminalLine(`--public-gateway takes a URL, not "${publicGateway}".`));
  const interval = Number(options.interval ?? "15");
  if (!(interval >= 1)) throw new CliError(EXIT_CODES.usage, "--interval takes a number of seconds, at least 1.");

  const chain = await connectChain(settings);
  const ipfs = options.pin ? await connectIpfs(settings) : undefined;
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  if (options.watch) process.once("SIGINT", onSigint);
  try {
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const config: SiteConfig = {
      title: options.title ?? "Today I Learned",
      description: options.description ?? "",
      baseUrl,
      authorNames,
      chainId: chain.deployment.chainId,
      registry: chain.deployment.address,
      publicGateway,
    };
    const reader = new EntryCache(chain, blockstore);
    let seen = "";
    let failed = 0;
    for (;;) {
      // Each entry as its latest version (registry v2 revisions); a new entry or revision rebuilds.
      const [published, revisions] = await Promise.all([
        listPublishedEntries(chain.provider, chain.deployment),
        listRevisions(chain.provider, chain.deployment),
      ]);
      const events = published.map((e) => {
        const latest = revisions.get(e.tokenId)?.at(-1);
        return latest === undefined ? e : { ...e, cid: latest, digest: cidToDigest(latest) };
      });
      const state = `${events.length}:${[...revisions.values()].reduce((n, r) => n + r.length, 0)}`;
      if (state !== seen) {
        seen = state;
        const { entries, skipped } = await reader.read(events, options);
        failed = skipped;
        const files = buildSite(entries, config);
        let report: WriteReport;
        try {
          report = await writeSite(out, files);
        } catch (error) {
          if (error instanceof SiteFolderError) throw new CliError(EXIT_CODES.usage, error.message);
          throw error;
        }
        if (!baseUrl) console.error("no sitemap.xml: it needs absolute URLs (give --base-url); feeds use links relative to themselves");
        const summary: Record<string, unknown> = {
          entries: entries.length,
          skipped,
          files: files.length,
          written: report.written,
          unchanged: report.unchanged,
          removed: report.removed,
          sitemap: baseUrl !== undefined,
          folder: out,
        };
        if (ipfs) Object.assign(summary, await pinSite(ipfs, out, files, settings, config));
        console.log(terminalJson(summary));
      }
      if (!options.watch) break;
      if (!(await sleep(interval * 1000, stop.signal))) break;
    }
    return failed > 0 ? EXIT_CODES.verificationFailed : EXIT_CODES.ok;
  } finally {
    process.off("SIGINT", onSigint);
    chain.provider.destroy();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve(false);
      },
      { once: true },
    );
  });
}

/** Entries read once per token (content never changes under a CID), so a rebuild reads only new ones. */
class EntryCache {
  /** By token id and CID: a revision is read anew. */
  readonly #read = new Map<string, SiteEntry>();
  readonly #blockTimes = new Map<bigint, Promise<string>>();
  readonly chain: ChainContext;
  readonly blockstore: VerifiedGatewayBlockstore;
  constructor(chain: ChainContext, blockstore: VerifiedGatewayBlockstore) {
    this.chain = chain;
    this.blockstore = blockstore;
  }

  async read(events: readonly PublishedEvent[], filter: { author?: string; tag?: string }): Promise<{ entries: SiteEntry[]; skipped: number }> {
    const wanted = events.map((e, i) => ({ ...e, sequence: i + 1 })).filter((e) => !filter.author || e.author.toLowerCase() === filter.author.toLowerCase());
    let skipped = 0;
    await forEachConcurrently(wanted, ENTRY_READS_AT_ONCE, async (event) => {
      if (this.#read.has(`${event.tokenId}:${event.cid}`)) return;
      try {
        this.#read.set(`${event.tokenId}:${event.cid}`, await this.#readEntry(event));
      } catch (error) {
        skipped += 1;
        const why = error instanceof EntryLimitError ? "refused" : "unavailable";
        console.error(terminalLine(`skipped #${event.sequence} ${event.cid} (${why}): ${(error as Error).message}`));
      }
    });
    const tag = filter.tag?.toLowerCase();
    const entries = wanted
      .map((e) => this.#read.get(`${e.tokenId}:${e.cid}`))
      .filter((e): e is SiteEntry => e !== undefined && (!tag || e.note.tags.some((t) => t.toLowerCase() === tag)));
    return { entries, skipped };
  }

  async #readEntry(event: PublishedEvent & { sequence: number }): Promise<SiteEntry> {
    const note = parseNote(new TextDecoder().decode(await readEntryFile(this.blockstore, event.cid, "index.md")));
    const images: SiteEntry["images"] = [];
    for (const file of (await listEntryFiles(this.blockstore, event.cid)).sort()) {
      if (!file.startsWith("images/") || !isSafeRelativePath(file)) continue;
      const bytes = await readEntryFile(this.blockstore, event.cid, file);
      // Only real images are copied (an SVG with script would run on the site's origin if opened).
      if (checkImage(bytes).ok) images.push({ path: file, bytes });
      else console.error(terminalLine(`#${event.sequence}: ${file} is not a safe image; left out`));
    }
    return {
      tokenId: event.tokenId,
      cid: event.cid,
      author: event.author,
      sequence: event.sequence,
      publishedAt: await this.#blockTime(event.blockNumber),
      note,
      images,
    };
  }

  #blockTime(blockNumber: bigint): Promise<string> {
    let time = this.#blockTimes.get(blockNumber);
    if (!time) {
      time = this.chain.provider.getBlock(blockNumber).then((block) => {
        if (!block) throw new Error(`block ${blockNumber} not found`);
        return new Date(block.timestamp * 1000).toISOString();
      });
      this.#blockTimes.set(blockNumber, time);
    }
    return time;
  }
}

/** Adds the site as one CIDv1 directory (pinned), prints where it is and how to name it, and counts the nodes that changed since the last pin. */
async function pinSite(
  ipfs: KuboRPCClient,
  out: string,
  files: readonly SiteFile[],
  settings: TilSettings,
  config: SiteConfig,
): Promise<Record<string, unknown>> {
  const nodes = new Set<string>();
  let root: string | undefined;
  for await (const added of ipfs.addAll(
    files.map((f) => ({ path: `site/${f.path}`, content: f.bytes })),
    { cidVersion: 1, rawLeaves: true, pin: true, wrapWithDirectory: false },
  )) {
    nodes.add(added.cid.toString());
    if (added.path === "site") root = added.cid.toString();
  }
  if (!root) throw new CliError(EXIT_CODES.ipfsUnreachable, "the IPFS node did not report the site's root directory");
  const before = await readSiteMarker(out);
  const previous = new Set(before.nodes ?? []);
  const changed = [...nodes].filter((cid) => !previous.has(cid)).length;
  await writeSiteMarker(out, { root, nodes: [...nodes].sort() });
  const domain = config.baseUrl ? new URL(config.baseUrl).hostname : "<your-domain>";
  const publicUrl = `${new URL(config.publicGateway).protocol}//${subdomainLabel(root)}.ipfs.${new URL(config.publicGateway).host}/`;
  console.log(
    [
      `site pinned: ${root}`,
      `  local gateway:  ${isolatedGatewayUrl(hostPortUrl(settings.ipfsGateway), root)}`,
      `  public gateway: ${publicUrl}`,
      `  DNSLink:        _dnslink.${domain} TXT "dnslink=/ipfs/${root}"`,
      `  ENS contenthash (ENSIP-7) for a name's resolver: ${ensContenthash(root)}`,
    ].join("\n"),
  );
  return { cid: root, previousCid: before.root ?? null, nodes: nodes.size, changedNodes: changed, contenthash: ensContenthash(root) };
}
