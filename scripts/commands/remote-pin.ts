/**
 * `til ipfs pin remote service add|ls|rm` and `til ipfs pin remote add|ls|rm`: Kubo's remote
 * pinning commands, run through the IPFS node's RPC API (the embedded node or a real Kubo), so
 * services and their keys live in the node's repo. Keys are passed to the node, never printed.
 */
import { CID } from "multiformats/cid";
import type { TilSettings } from "#core/config.ts";
import { connectIpfs } from "../cli/context.ts";
import { CliError, EXIT_CODES } from "../cli/errors.ts";
import { terminalLine } from "../cli/terminal-text.ts";

type Status = "queued" | "pinning" | "pinned" | "failed";

export async function runRemoteServiceAdd(settings: TilSettings, args: string[]): Promise<number> {
  if (args.length !== 3) throw new CliError(EXIT_CODES.usage, "Usage: til ipfs pin remote service add <name> <endpoint> <key>");
  const ipfs = await connectIpfs(settings);
  await ipfs.pin.remote.service.add(args[0], { endpoint: new URL(args[1]), key: args[2] });
  console.log(`added service ${terminalLine(args[0])}`);
  return EXIT_CODES.ok;
}

export async function runRemoteServiceLs(settings: TilSettings, options: { stat: boolean }): Promise<number> {
  const ipfs = await connectIpfs(settings);
  const services = options.stat ? await ipfs.pin.remote.service.ls({ stat: true }) : await ipfs.pin.remote.service.ls();
  for (const service of services) {
    const stat = (service as { stat?: { status: string; pinCount?: Record<Status, number> } }).stat;
    const counts =
      stat === undefined
        ? ""
        : stat.pinCount
          ? `\tqueued ${stat.pinCount.queued}, pinning ${stat.pinCount.pinning}, pinned ${stat.pinCount.pinned}, failed ${stat.pinCount.failed}`
          : "\tinvalid (the service did not answer or refused the key)";
    console.log(`${terminalLine(service.service)}\t${terminalLine(service.endpoint.toString())}${counts}`);
  }
  return EXIT_CODES.ok;
}

export async function runRemoteServiceRm(settings: TilSettings, args: string[]): Promise<number> {
  if (args.length !== 1) throw new CliError(EXIT_CODES.usage, "Usage: til ipfs pin remote service rm <name>");
  const ipfs = await connectIpfs(settings);
  await ipfs.pin.remote.service.rm(args[0]);
  return EXIT_CODES.ok;
}

export async function runRemotePinAdd(
  settings: TilSettings,
  args: string[],
  options: { service?: string; name?: string; background: boolean },
): Promise<number> {
  if (args.length !== 1 || !options.service)
    throw new CliError(EXIT_CODES.usage, "Usage: til ipfs pin remote add <cid> --service <name> [--name N] [--background]");
  const ipfs = await connectIpfs(settings);
  const pin = await ipfs.pin.remote.add(parseCid(args[0]), { service: options.service, name: options.name, background: options.background });
  console.log(`CID:\t${pin.cid}\nName:\t${terminalLine(pin.name ?? "")}\nStatus:\t${pin.status}`);
  return EXIT_CODES.ok;
}

export async function runRemotePinLs(settings: TilSettings, options: { service?: string; cid: string[]; status: string[] }): Promise<number> {
  if (!options.service) throw new CliError(EXIT_CODES.usage, "Usage: til ipfs pin remote ls --service <name> [--cid C...] [--status S...]");
  const ipfs = await connectIpfs(settings);
  for await (const pin of ipfs.pin.remote.ls({ service: options.service, cid: options.cid.map(parseCid), status: statuses(options.status) })) {
    console.log(`${pin.cid}\t${pin.status}\t${terminalLine(pin.name ?? "")}`);
  }
  return EXIT_CODES.ok;
}

export async function runRemotePinRm(settings: TilSettings, options: { service?: string; cid: string[]; status: string[]; force: boolean }): Promise<number> {
  if (!options.service) throw new CliError(EXIT_CODES.usage, "Usage: til ipfs pin remote rm --service <name> --cid C [--force]");
  const ipfs = await connectIpfs(settings);
  const query = { service: options.service, cid: options.cid.map(parseCid), status: statuses(options.status) };
  await (options.force ? ipfs.pin.remote.rmAll(query) : ipfs.pin.remote.rm(query));
  return EXIT_CODES.ok;
}

function parseCid(text: string): CID {
  try {
    return CID.parse(text);
  } catch {
    throw new CliError(EXIT_CODES.usage, `"${terminalLine(text.slice(0, 100))}" is not a CID.`);
  }
}

function statuses(values: string[]): Status[] | undefined {
  const list = values.flatMap((v) => v.split(",")).filter(Boolean);
  for (const value of list) {
    if (!["queued", "pinning", "pinned", "failed"].includes(value))
      throw new CliError(EXIT_CODES.usage, `--status: "${terminalLine(value)}" is not queued, pinning, pinned or failed.`);
  }
  return list.length > 0 ? (list as Status[]) : undefined;
}
