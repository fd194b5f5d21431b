/**
 * `til history <#N | N | token id | CID>`: every version of an entry, oldest first: revision
 * number, date and block, CID, and whether it verified (read through the gateways, every block
 * matching the CID, and, in format v2, its metadata linking the version before it). Exit code 10
 * when a version does not verify. `--json`: one JSON object.
 */
import type { TilSettings } from "#core/config.ts";
import { authorOfTokenId } from "#core/contract/token-id.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { connectChain, gatewayUrls } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { terminalJson, terminalLine } from "../cli/terminal-text.ts";
import { checkVersion, readVersions, type VersionCheck } from "./entry-versions.ts";
import { resolveToken } from "./show.ts";

export async function runHistory(settings: TilSettings, targets: string[], options: { json?: boolean } = {}): Promise<number> {
  if (targets.length !== 1) throw new CliError(EXIT_CODES.usage, "Name one entry by its number in `til ls` (#4), token id or CID: npm run til -- history '#4'");
  const chain = await connectChain(settings);
  try {
    const { tokenId } = await resolveToken(chain, targets[0]);
    const versions = await readVersions(chain, tokenId);
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const checks: VersionCheck[] = [];
    for (const [i, version] of versions.entries()) checks.push(await checkVersion(blockstore.session(), tokenId, version, versions[i - 1]));
    const rows = versions.map((v, i) => ({
      revision: v.revision,
      date: v.timestamp === undefined ? undefined : new Date(v.timestamp * 1000).toISOString(),
      block: v.blockNumber?.toString(),
      cid: v.cid,
      verified: checks[i].verified,
      ...(checks[i].problem !== undefined ? { problem: checks[i].problem } : {}),
      ...(checks[i].title !== undefined ? { title: checks[i].title } : {}),
      ...(checks[i].copyOf !== undefined ? { copyOf: checks[i].copyOf } : {}),
    }));
    const author = authorOfTokenId(tokenId);
    if (options.json) {
      console.log(terminalJson({ tokenId: tokenId.toString(), author, versions: rows }));
    } else {
      console.log(`token ${tokenId} (0x${tokenId.toString(16)}) by ${author}: ${versions.length} version${versions.length === 1 ? "" : "s"}`);
      for (const row of rows) {
        // Titles and problems come from the content (anyone's): one line each, controls made visible.
        const status = row.verified ? "verified" : "NOT VERIFIED";
        const note = [row.problem, row.copyOf ? `content names ${row.copyOf} as its author: a copy` : undefined].filter(Boolean).join("; ");
        console.log(
          [`v${row.revision}`.padEnd(4), (row.date ?? "(date unknown)").padEnd(24), `block ${row.block ?? "-"}`.padEnd(14), row.cid, status].join("  ") +
            (row.title !== undefined ? `\n      ${terminalLine(row.title)}` : "") +
            (note ? `\n      ${terminalLine(note)}` : ""),
        );
      }
    }
    return checks.every((c) => c.verified) ? EXIT_CODES.ok : EXIT_CODES.verificationFailed;
  } finally {
    chain.provider.destroy();
  }
}
