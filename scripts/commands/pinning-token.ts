/**
 * `til ipfs pinning-token create|ls|revoke`: the access tokens of this node's pinning service
 * (`til ipfs daemon --pinning-api HOST:PORT`). They live in the node's repo, hashed; a token is
 * printed once, when it is made. Works whether the daemon runs or not: a running daemon sees the
 * change at its next request.
 */
import { parseByteSize, resolveSettings, type TilSettingsFlags } from "#core/config.ts";
import { formatBytes } from "#core/entry/limits.ts";
import { PinRequestStore } from "../../ipfs-node/pinning/requests.ts";
import { PinningTokens, UnknownTokenError } from "../../ipfs-node/pinning/tokens.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { terminalLine } from "../cli/terminal-text.ts";

const DEFAULT_QUOTA = "1GiB";

export async function runPinningTokenCreate(flags: TilSettingsFlags, options: { name?: string; quota?: string }): Promise<number> {
  const { ipfsRepo } = resolveSettings(flags, process.env, process.cwd());
  const name = options.name ?? "";
  if (!/^[\w.@-]{1,64}$/.test(name))
    throw new CliError(EXIT_CODES.usage, "Name the token (who or what uses it): --name laptop (1-64 letters, digits, '.', '_', '@', '-').");
  const quotaBytes = parseByteSize(options.quota ?? DEFAULT_QUOTA, "--quota");
  const { record, token } = await new PinningTokens(ipfsRepo).create(name, quotaBytes);
  console.error(`Token ${record.id} "${record.name}", quota ${formatBytes(quotaBytes)}. It is shown only this once: keep it now.`);
  console.log(token);
  return EXIT_CODES.ok;
}

export async function runPinningTokenLs(flags: TilSettingsFlags, options: { json: boolean }): Promise<number> {
  const { ipfsRepo } = resolveSettings(flags, process.env, process.cwd());
  const tokens = await new PinningTokens(ipfsRepo).list();
  const requests = await PinRequestStore.read(ipfsRepo);
  for (const token of tokens) {
    const own = requests.filter((r) => r.tokenId === token.id && !r.replacedBy);
    const used = own.reduce((sum, r) => sum + (r.status === "pinned" ? (r.dagSize ?? 0) : 0), 0);
    const row = {
      id: token.id,
      name: token.name,
      quotaBytes: token.quotaBytes,
      usedBytes: used,
      pins: own.length,
      created: token.created,
      ...(token.revoked ? { revoked: token.revoked } : {}),
    };
    if (options.json) console.log(JSON.stringify(row));
    else
      console.log(
        [
          row.id,
          terminalLine(row.name),
          `${formatBytes(used)} of ${formatBytes(token.quotaBytes)}`,
          `${row.pins} pins`,
          token.revoked ? "revoked" : "active",
        ].join("\t"),
      );
  }
  return EXIT_CODES.ok;
}

export async function runPinningTokenRevoke(flags: TilSettingsFlags, which: string[]): Promise<number> {
  const { ipfsRepo } = resolveSettings(flags, process.env, process.cwd());
  if (which.length !== 1) throw new CliError(EXIT_CODES.usage, "Name one token by id or name: til ipfs pinning-token revoke <id>");
  try {
    const record = await new PinningTokens(ipfsRepo).revoke(which[0]);
    console.log(`revoked ${record.id} "${terminalLine(record.name)}"`);
  } catch (err) {
    if (err instanceof UnknownTokenError) throw new CliError(EXIT_CODES.notFound, err.message);
    throw err;
  }
  return EXIT_CODES.ok;
}
