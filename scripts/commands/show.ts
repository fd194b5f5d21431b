/**
 * `til show <#N | N | token id | CID>`: one entry, read through the gateways, verified against its
 * CID, printed terminal-safe, with every gateway that failed or returned wrong bytes named.
 */
import type { TilSettings } from "#core/config.ts";
import { cidToDigest, digestToCid } from "#core/cid.ts";
import { EntryLimitError, readEntryFile } from "#core/retrieve/entry-reader.ts";
import { BlockUnavailableError, VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { entryEvents, registryAt } from "../chain/registry.ts";
import { InvalidEntryRefError, parseEntryRef, type EntryRef } from "#core/contract/entry-ref.ts";
import type { EntryEventReader } from "#core/contract/registry-events.ts";
import { addOutcomes, describeServed, describeTroubles, tallyList, type GatewayTally } from "../cli/gateway-report.ts";
import { terminalLine, terminalText } from "../cli/terminal-text.ts";
import { connectChain, gatewayUrls, type ChainContext } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";

export async function runShow(settings: TilSettings, targets: string[]): Promise<number> {
  if (targets.length !== 1) throw new CliError(EXIT_CODES.usage, "Name one entry by its number in `til ls` (#4), token id or CID: npm run til -- show '#4'");
  const chain = await connectChain(settings);
  try {
    const tokenId = await resolveToken(chain, targets[0]);
    const registry = registryAt(chain.deployment.address, chain.provider);
    const entry = await registry.getFunction("entry")(tokenId);
    const cid = digestToCid(entry.digest as string);
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings)).session();
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
    addOutcomes(tallies, blockstore);
    const outcomes = tallyList(blockstore.gateways, tallies);
    const troubles = describeTroubles(outcomes);
    console.log(
      [
        `token     ${tokenId} (0x${tokenId.toString(16)})`,
        `entry     #${entry.sequence}, published ${new Date(Number(entry.publishedAt) * 1000).toISOString()}`,
        `author    ${entry.author}`,
        `owner     ${entry.owner}`,
        `cid       ${cid}`,
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

/**
 * The token a target names (core/contract/entry-ref.ts: `#N` or a decimal below 2^64 is the
 * sequence number `til ls` prints, a larger decimal or 0x hex a token id, anything else a CID;
 * a CID several authors published gives the first author's token).
 */
async function resolveToken(chain: ChainContext, target: string): Promise<bigint> {
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
  if (ref.kind === "sequence") return tokenAtSequence(chain, events, ref.sequence);
  if (ref.kind === "token") {
    try {
      await registry.getFunction("ownerOf")(ref.tokenId);
    } catch {
      throw new CliError(EXIT_CODES.notFound, `There is no token ${shown} in the registry at ${chain.deployment.address}.`);
    }
    return ref.tokenId;
  }
  const tokens = await events.tokensOfDigest(cidToDigest(ref.cid), deployBlock);
  if (tokens.length === 0) throw new CliError(EXIT_CODES.notFound, `No entry with CID ${shown} is published in the registry at ${chain.deployment.address}.`);
  if (tokens.length > 1) console.error(`${tokens.length} authors published this CID; showing the first. Tokens: ${tokens.join(", ")}`);
  return tokens[0];
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
