/**
 * `til ls`: every published entry, oldest first, as its latest version (the number of versions
 * shown when it was revised), filtered by author, tag and date. Each entry's
 * text is printed terminal-safe (../cli/terminal-text.ts): a title stays on one line; `--json`
 * stays exact.
 */
import type { TilSettings } from "#core/config.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { connectChain, gatewayUrls } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { terminalJson, terminalLine } from "../cli/terminal-text.ts";
import { loadCatalog } from "./entry-catalog.ts";

export interface LsOptions {
  author?: string;
  tag?: string;
  since?: string;
  until?: string;
  json?: boolean;
}

export async function runLs(settings: TilSettings, options: LsOptions): Promise<number> {
  for (const [name, value] of [
    ["since", options.since],
    ["until", options.until],
  ] as const) {
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value))
      throw new CliError(EXIT_CODES.usage, terminalLine(`--${name} takes a date written YYYY-MM-DD, not "${value}".`));
  }
  if (options.author !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(options.author))
    throw new CliError(EXIT_CODES.usage, terminalLine(`--author takes an address (0x and 40 hex digits), not "${options.author}".`));
  const chain = await connectChain(settings);
  try {
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const tag = options.tag?.toLowerCase();
    const entries = (await loadCatalog(chain, blockstore, true)).filter((e) => {
      const date = e.metadata?.properties.date;
      if (options.author && e.author.toLowerCase() !== options.author.toLowerCase()) return false;
      if (tag && !(e.metadata?.properties.tags ?? []).some((t) => t.toLowerCase() === tag)) return false;
      if (options.since && (!date || date < options.since)) return false;
      if (options.until && (!date || date > options.until)) return false;
      return true;
    });
    for (const e of entries) {
      if (options.json) {
        console.log(
          terminalJson({
            sequence: e.sequence,
            tokenId: e.tokenId.toString(),
            author: e.author,
            cid: e.latestCid,
            versions: e.versions.length,
            title: e.metadata?.properties.title,
            date: e.metadata?.properties.date,
            tags: e.metadata?.properties.tags,
            problem: e.problem,
          }),
        );
      } else {
        // Titles, tags, dates and problems are the stranger's text: shown on one line, controls made visible.
        const m = e.metadata?.properties;
        const title = terminalLine(m ? m.title : e.refused ? `(entry refused: ${e.problem})` : `(metadata unavailable: ${e.problem})`);
        const tags = m?.tags.length ? `  [${m.tags.map(terminalLine).join(", ")}]` : "";
        const versions = e.versions.length > 1 ? `  (${e.versions.length} versions: til history ${e.tokenId})` : "";
        console.log(
          `#${String(e.sequence).padEnd(5)} ${terminalLine(m?.date ?? "----------").padEnd(10)}  ${title}${tags}\n       ${e.latestCid}  by ${e.author}${versions}`,
        );
      }
    }
    if (!options.json) console.log(`${entries.length} entr${entries.length === 1 ? "y" : "ies"}`);
    return EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}
