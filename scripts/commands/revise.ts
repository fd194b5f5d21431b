/**
 * `til revise <#N | N | token id | CID> <file.md>`: publishes the note in `file.md` as the next
 * version of an entry: packed naming the author and the latest version as `previous`, keeping the
 * note's identity (the latest version's `id`, unless the file sets its own), pinned, then one
 * `revise` transaction. Only the entry's author can revise it (TIL_AUTHOR_KEY must be theirs).
 * Prints one JSON line: {tokenId, revision, cid, previous, txHash, gasUsed}, or {unchanged: true}
 * when the file is the latest version already.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { TransactionReceipt } from "ethers";
import type { Hex } from "viem";
import type { TilSettings } from "#core/config.ts";
import { isContractError } from "#core/contract/contract-errors.ts";
import { authorOfTokenId } from "#core/contract/token-id.ts";
import { readEntryMetadata } from "#core/entry/metadata.ts";
import { parseNote } from "#core/entry/note.ts";
import { pinEntries } from "#core/entry/pin.ts";
import { importNoteFile, isSkippedSource } from "#core/import/folder.node.ts";
import { readEntryFile } from "#core/retrieve/entry-reader.ts";
import { VerifiedGatewayBlockstore } from "#core/retrieve/verified-blockstore.ts";
import { decodeEntryRevised, registryAt } from "../chain/registry.ts";
import { authorWallet, connectChain, connectIpfs, gatewayUrls } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { terminalJson, terminalLine } from "../cli/terminal-text.ts";
import { Journal, revisedRecord } from "../publishing/journal.ts";
import { packRevision } from "../publishing/publish-entries.ts";
import { readVersions } from "./entry-versions.ts";
import { resolveToken } from "./show.ts";

export async function runRevise(settings: TilSettings, positionals: string[]): Promise<number> {
  if (positionals.length !== 2)
    throw new CliError(EXIT_CODES.usage, "Name the entry and the file of its new version: npm run til -- revise '#4' notes/today.md");
  const [target, file] = positionals;
  try {
    await stat(file);
  } catch {
    throw new CliError(EXIT_CODES.notFound, terminalLine(`${file} does not exist (relative paths are taken from ${process.cwd()}).`));
  }
  const chain = await connectChain(settings);
  try {
    const wallet = authorWallet(chain);
    const { tokenId } = await resolveToken(chain, target);
    const author = authorOfTokenId(tokenId);
    if (author.toLowerCase() !== wallet.address.toLowerCase()) {
      throw new CliError(
        EXIT_CODES.usage,
        `Only the author of token ${tokenId} (${author}) can revise it; you publish as ${wallet.address}. Set TIL_AUTHOR_KEY to the author's key.`,
      );
    }
    const versions = await readVersions(chain, tokenId);
    const latest = versions[versions.length - 1];
    const absolute = path.resolve(file);
    const item = await importNoteFile(absolute, { root: path.dirname(absolute), fallbackDates: false });
    if (isSkippedSource(item)) throw new CliError(EXIT_CODES.entriesFailed, terminalLine(`${file}:${item.sourceLine}: ${item.message}`));
    for (const warning of item.warnings) console.error(`warning: ${terminalLine(warning.message)}`);
    // The entry keeps its identity: the latest version's, unless the file names its own `id`.
    const recorded = await recordedIdentity(settings, latest.cid);
    const ownId = await frontMatterId(absolute);
    const note = { ...item.note, ...(ownId === undefined && recorded !== undefined ? { id: recorded } : {}) };
    const origin = { note, images: item.images, author: wallet.address };
    const before = versions[versions.length - 2];
    const { unchanged, packed } = await packRevision(origin, { latest: latest.digest, ...(before ? { beforeLatest: before.digest as Hex } : {}) });
    if (unchanged) {
      console.log(terminalJson({ tokenId: tokenId.toString(), unchanged: true, cid: latest.cid }));
      return EXIT_CODES.ok;
    }
    const ipfs = await connectIpfs(settings);
    const [pinned] = await pinEntries(ipfs, [packed]);
    if (pinned.mismatch) {
      throw new CliError(
        EXIT_CODES.entriesFailed,
        `The IPFS node pinned the new version as ${pinned.mismatch.actual ?? "nothing"}, not as its locally computed CID ${packed.cid}; not revised.`,
      );
    }
    const journal = await Journal.open(settings.home);
    const registry = registryAt(chain.deployment.address, wallet);
    let receipt: TransactionReceipt | null;
    try {
      const tx = await registry.getFunction("revise")(tokenId, packed.digest);
      await journal.append({
        event: "mint-sent",
        chainId: chain.deployment.chainId,
        contract: chain.deployment.address,
        author: wallet.address,
        digests: [packed.digest],
        txHash: tx.hash,
      });
      receipt = await tx.wait();
    } catch (error) {
      if (isContractError(error, "TILDigestIsAnotherEntry")) {
        throw new CliError(EXIT_CODES.entriesFailed, `This content is already another of your entries; revise that one, or change the text.`, { cause: error });
      }
      if ((error as { code?: string }).code === "INSUFFICIENT_FUNDS") {
        throw new CliError(
          EXIT_CODES.insufficientFunds,
          `${wallet.address} cannot pay for the revise transaction. Fund the account and run the same command again.`,
          { cause: error },
        );
      }
      throw error;
    }
    const [event] = decodeEntryRevised(receipt!.logs);
    await journal.append(revisedRecord(chain.deployment, wallet.address, event));
    console.log(
      terminalJson({
        tokenId: tokenId.toString(),
        revision: Number(event.revision),
        cid: packed.cid,
        previous: latest.cid,
        txHash: event.txHash,
        gasUsed: receipt!.gasUsed.toString(),
      }),
    );
    return EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}

/** The note identity the entry's version `cid` records (metadata `properties.id`), read through the gateways; undefined if none or unreadable. */
async function recordedIdentity(settings: TilSettings, cid: string): Promise<string | undefined> {
  try {
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings)).session();
    return readEntryMetadata(JSON.parse(new TextDecoder().decode(await readEntryFile(blockstore, cid, "metadata.json")))).id;
  } catch {
    return undefined;
  }
}

/** The `id` the file's own front matter sets, if any. */
async function frontMatterId(file: string): Promise<string | undefined> {
  try {
    return parseNote(await readFile(file, "utf8")).id;
  } catch {
    return undefined;
  }
}
