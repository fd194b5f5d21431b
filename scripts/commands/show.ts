/** `til show <token id | CID>`: one entry, read through the gateways, verified against its CID, printed. */
import type { TilSettings } from "../../core/config.ts";
import { cidToDigest, digestToCid } from "../../core/cid.ts";
import { readEntryFile } from "../../core/retrieve/entry-reader.ts";
import { BlockUnavailableError, VerifiedGatewayBlockstore } from "../../core/retrieve/verified-blockstore.ts";
import { listPublishedEntries, registryAt } from "../chain/registry.ts";
import { connectChain, gatewayUrls, type ChainContext } from "../publishing/context.ts";
import { CliError, EXIT_CODES } from "../publishing/errors.ts";

export async function runShow(settings: TilSettings, targets: string[]): Promise<number> {
  if (targets.length !== 1) throw new CliError(EXIT_CODES.usage, "Name one entry by token id or CID: npm run til -- show bafybei...");
  const chain = await connectChain(settings);
  try {
    const tokenId = await resolveToken(chain, targets[0]);
    const registry = registryAt(chain.deployment.address, chain.provider);
    const entry = await registry.getFunction("entry")(tokenId);
    const cid = digestToCid(entry.digest as string);
    const blockstore = new VerifiedGatewayBlockstore(gatewayUrls(settings));
    let markdown: string;
    try {
      markdown = new TextDecoder().decode(await readEntryFile(blockstore, cid, "index.md"));
    } catch (error) {
      if (error instanceof BlockUnavailableError) throw new CliError(EXIT_CODES.verificationFailed, `Entry ${cid} could not be read and verified: ${error.message}`);
      throw error;
    }
    console.log(
      [
        `token     ${tokenId} (0x${tokenId.toString(16)})`,
        `entry     #${entry.sequence}, published ${new Date(Number(entry.publishedAt) * 1000).toISOString()}`,
        `author    ${entry.author}`,
        `owner     ${entry.owner}`,
        `cid       ${cid}`,
        `tokenURI  ${await registry.getFunction("tokenURI")(tokenId)}`,
        `verified  every block matched the CID; served by ${blockstore.mainGateway}`,
        "",
        markdown,
      ].join("\n"),
    );
    return EXIT_CODES.ok;
  } finally {
    chain.provider.destroy();
  }
}

/** A token id (decimal or 0x hex) or an entry CID, as the token it names. */
async function resolveToken(chain: ChainContext, target: string): Promise<bigint> {
  const registry = registryAt(chain.deployment.address, chain.provider);
  if (/^(?:\d+|0x[0-9a-fA-F]{1,64})$/.test(target)) {
    const id = BigInt(target);
    try {
      await registry.getFunction("ownerOf")(id);
    } catch {
      throw new CliError(EXIT_CODES.notFound, `There is no token ${target} in the registry at ${chain.deployment.address}.`);
    }
    return id;
  }
  let digest: string;
  try {
    digest = cidToDigest(target);
  } catch (error) {
    throw new CliError(EXIT_CODES.usage, `"${target}" is neither a token id nor an entry CID: ${(error as Error).message}`);
  }
  const tokens = await listPublishedEntries(chain.provider, chain.deployment, { digest });
  if (tokens.length === 0) throw new CliError(EXIT_CODES.notFound, `No entry with CID ${target} is published in the registry at ${chain.deployment.address}.`);
  if (tokens.length > 1) console.error(`${tokens.length} authors published this CID; showing the first. Tokens: ${tokens.map((t) => t.tokenId).join(", ")}`);
  return tokens[0].tokenId;
}
