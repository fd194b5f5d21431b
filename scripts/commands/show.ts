/**
 * `til show <#N | N | token id | CID>`: one entry, read through the gateways, verified against its
 * CID, printed terminal-safe, with every gateway that failed or returned wrong bytes named. A token
 * shows its latest version (and says how many there are: `til history`); a CID shows that version.
 * When several tokens hold a CID, the one whose on-chain author is the author the content names is
 * the entry; the others are listed as copies by their own authors.
 */
import type { TilSettings } from "#core/config.ts";
import { cidToDigest } from "#core/cid.ts";
import { authorOfTokenId, pickEntryToken } from "#core/contract/token-id.ts";
import { readEntryMetadata } from "#core/entry/metadata.ts";
import { EntryLimitError, readEntryFile } from "#core/retrieve/entry-reader.ts";
import type { Address } from "viem";
import { BlockUnavailableError, VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { entryEvents, registryAt } from "../chain/registry.ts";
import { InvalidEntryRefError, parseEntryRef, type EntryRef } from "#core/contract/entry-ref.ts";
import type { EntryEventReader } from "#core/contract/registry-events.ts";
import { addOutcomes, describeServed, describeTroubles, tallyList, type GatewayTally } from "../cli/gateway-report.ts";
import { terminalLine, terminalText } from "../cli/terminal-text.ts";
import { connectChain, gatewayUrls, type ChainContext } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { checkVersion, readVersions } from "./entry-versions.ts";

export async function runShow(settings: TilSettings, targets: string[]): Promise<number> {
  if (targets.length !== 1) throw new CliError(EXIT_CODES.usage, "Name one entry by its number in `til ls` (#4), token id or CID: npm run til -- show '#4'");
  const chain = await connectChain(settings);
  try {
    const gateways = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    const { tokenId, cid: askedCid, copies } = await resolveToken(chain, targets[0], gateways);
    const registry = registryAt(chain.deployment.address, chain.provider);
    const entry = await registry.getFunction("entry")(tokenId);
    const versions = await readVersions(chain, tokenId);
    const version = versions.findLast((v) => v.cid === askedCid) ?? versions[versions.length - 1];
    const cid = version.cid;
    const blockstore = gateways.session();
    const tallies = new Map<string, GatewayTally>();
    let markdown: string;
    try {
      markdown = new TextDecoder().decode(await readEntryFile(blockstore, cid, "index.md"));
    } catch (error) {
      if (error instanceof EntryLimitError) throw new CliError(EXIT_CODES.verificationFailed, terminalLine(`Entry ${cid} is refused: ${error.message}.`));
      if (!(error instanceof BlockUnavailableError)) throw error;
      addOutcomes(tallies, blockstore);
      const troubles = describeTroubles(tallyList(blockstore.gateways, tallies));
      throw new CliError(
        EXIT_CODES.verificationFailed,
        `Entry ${cid} could not be read and verified. No gateway returned a block with matching bytes:\n  ${troubles.join("\n  ")}`,
      );
    }
    const check = await checkVersion(blockstore, tokenId, version, versions[version.revision - 1]);
    addOutcomes(tallies, blockstore);
    const outcomes = tallyList(blockstore.gateways, tallies);
    const troubles = describeTroubles(outcomes);
    const latest = versions[versions.length - 1];
    const versionLine =
      versions.length === 1
        ? "1 of 1 (never revised)"
        : `${version.revision + 1} of ${versions.length}${version === latest ? " (latest)" : ` (the latest is ${latest.cid})`}; \`til history ${tokenId}\` lists them`;
    console.log(
      [
        `token     ${tokenId} (0x${tokenId.toString(16)})`,
        `entry     #${entry.sequence}, published ${new Date(Number(entry.publishedAt) * 1000).toISOString()}`,
        `author    ${entry.author}`,
        `owner     ${entry.owner}`,
        `version   ${versionLine}`,
        `cid       ${cid}`,
        ...(check.copyOf ? [`copy      the content names ${check.copyOf} as its author: this token is a copy by ${entry.author}`] : []),
        ...(check.verified || check.problem === undefined ? [] : [`history   ${terminalLine(check.problem)}`]),
        ...copies.map((c) => `copy      token ${c.tokenId} by ${c.author} holds this CID too (a copy)`),
        `tokenURI  ${terminalLine(String(await registry.getFunction("tokenURI")(tokenId)))}`,
        `verified  every block matched the CID; served by ${describeServed(outcomes) ?? "no gateway (nothing to fetch)"}`,
        ...troubles.map((line) => `skipped   ${line}`),
        "",
        terminalText(markdown),
      ].join("\n"),
    );
    return EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}

/** The token a target names, the CID it named (if it was one), and the other tokens of that CID (copies). */
export interface ResolvedToken {
  tokenId: bigint;
  cid?: string;
  copies: { tokenId: bigint; author: Address }[];
}

/**
 * The token a target names (core/contract/entry-ref.ts: `#N` or a decimal below 2^64 is the
 * sequence number `til ls` prints, a larger decimal or 0x hex a token id, anything else a CID).
 * A CID several tokens hold (published or revised to it) gives the token whose author the
 * content names (its metadata.json, read through `gateways` and verified), else the oldest; the
 * others are its copies.
 */
export async function resolveToken(chain: ChainContext, target: string, gateways?: VerifiedGatewayBlockstore): Promise<ResolvedToken> {
  const registry = registryAt(chain.deployment.address, chain.provider);
  const shown = terminalLine(target);
  let ref: EntryRef;
  try {
    ref = parseEntryRef(target);
  } catch (error) {
    if (error instanceof InvalidEntryRefError) throw new CliError(EXIT_CODES.usage, terminalLine(error.message));
    throw error;
  }
  const events = entryEvents(chain.provider, chain.deployment);
  const deployBlock = BigInt(chain.deployment.deployBlock);
  if (ref.kind === "sequence") return { tokenId: await tokenAtSequence(chain, events, ref.sequence), copies: [] };
  if (ref.kind === "token") {
    try {
      await registry.getFunction("ownerOf")(ref.tokenId);
    } catch {
      throw new CliError(EXIT_CODES.notFound, `There is no token ${shown} in the registry at ${chain.deployment.address}.`);
    }
    return { tokenId: ref.tokenId, copies: [] };
  }
  const tokens = (await events.tokensOfDigest(cidToDigest(ref.cid), deployBlock)).map((tokenId) => ({ tokenId, author: authorOfTokenId(tokenId) }));
  if (tokens.length === 0) throw new CliError(EXIT_CODES.notFound, `No entry with CID ${shown} is published in the registry at ${chain.deployment.address}.`);
  if (tokens.length === 1) return { tokenId: tokens[0].tokenId, cid: ref.cid, copies: [] };
  const { entry, copies } = pickEntryToken(tokens, gateways ? await namedAuthor(gateways, ref.cid) : undefined);
  const chosen = entry ?? copies[0];
  return { tokenId: chosen.tokenId, cid: ref.cid, copies: copies.filter((c) => c !== chosen) };
}

/** The author an entry's metadata.json names (format v2), or undefined (v1, or unreadable: the caller falls back to the oldest token). */
async function namedAuthor(gateways: VerifiedGatewayBlockstore, cid: string): Promise<string | undefined> {
  try {
    return readEntryMetadata(JSON.parse(new TextDecoder().decode(await readEntryFile(gateways.session(), cid, "metadata.json")))).author;
  } catch {
    return undefined;
  }
}

/**
 * The token of entry #`sequence`: the `sequence`-th EntryPublished event (the order `til ls`
 * lists), checked against `entry(id).sequence`.
 */
async function tokenAtSequence(chain: ChainContext, events: EntryEventReader, sequence: bigint): Promise<bigint> {
  const registry = registryAt(chain.deployment.address, chain.provider);
  const total = (await registry.getFunction("totalEntries")()) as bigint;
  if (sequence < 1n || sequence > total) {
    throw new CliError(
      EXIT_CODES.notFound,
      `There is no entry #${sequence}: the registry at ${chain.deployment.address} holds ${total} entr${total === 1n ? "y" : "ies"}, numbered from #1 (\`til ls\`). Give a token id in 0x hex.`,
    );
  }
  const event = await events.eventAtSequence(sequence, BigInt(chain.deployment.deployBlock));
  if (event === undefined || BigInt((await registry.getFunction("entry")(event.tokenId)).sequence) !== sequence) {
    throw new CliError(
      EXIT_CODES.notFound,
      `The registry's EntryPublished events from block ${chain.deployment.deployBlock} do not list entry #${sequence} in order; is the deployment's deploy block right (\`til use-deployment --deploy-block\`)?`,
    );
  }
  return event.tokenId;
}
