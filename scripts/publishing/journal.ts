/**
 * The publishing journal: an append-only NDJSON file (`<home>/journal.ndjson`) recording each step
 * of each publish, so that a crash, Ctrl-C or an outage at any point is resumed by running the same
 * command again, and so that `npm start` can re-mint earlier entries on a fresh local chain.
 *
 * Every append is flushed to disk before the step it records is taken as done. A line cut short by
 * a crash is ignored when the journal is read back.
 */
import { open, readFile, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Deployment } from "#core/contract/deployment.ts";
import type { PublishedEvent } from "../chain/registry.ts";
import type { EntryRevisedEvent } from "#core/contract/registry-events.ts";

export const JOURNAL_FILE_NAME = "journal.ndjson";

/** The entry's directory was packed and its CID computed locally. */
export interface PackedRecord {
  event: "packed";
  digest: string;
  cid: string;
  title: string;
  source: string;
}
/** The IPFS node confirmed it pins the entry's CID. */
interface PinnedRecord {
  event: "pinned";
  cid: string;
}
/**
 * A publish/publishBatch transaction was sent. What became of it is not looked up here: a run
 * asks the registry (tokensOf) which entries exist, whatever the journal says.
 */
interface MintSentRecord {
  event: "mint-sent";
  chainId: number;
  contract: string;
  author: string;
  digests: string[];
  txHash: string;
}
/** An entry is on-chain: token `tokenId` of `contract`, authored by `author`. */
export interface MintedRecord {
  event: "minted";
  chainId: number;
  contract: string;
  author: string;
  digest: string;
  cid: string;
  /** keccak256 of the note's identity (registry v2; absent in records of v1 registries). */
  noteKey?: string;
  tokenId: string;
  txHash: string;
  block: number;
}

/** Version `revision` of token `tokenId` is `digest` (registry v2; the token id is the same on every v2 deployment). */
export interface RevisedRecord {
  event: "revised";
  chainId: number;
  contract: string;
  author: string;
  tokenId: string;
  revision: number;
  digest: string;
  cid: string;
  txHash: string;
  block: number;
}

/**
 * A remote pinning service (`service` at `endpoint`, as the IPFS node knows it) took or settled a
 * request for the entry's CID: queued or pinning when asked, then pinned or failed.
 */
export interface RemotePinRecord {
  event: "remote-pin";
  service: string;
  endpoint: string;
  cid: string;
  status: "queued" | "pinning" | "pinned" | "failed";
}

/** The journal's records of entries packed (their CIDs computed locally), before they are sent anywhere. */
export function packedRecords(entries: ReadonlyArray<{ source: string; packed: { digest: string; cid: string; note: { title: string } } }>): PackedRecord[] {
  return entries.map(({ source, packed }) => ({ event: "packed", digest: packed.digest, cid: packed.cid, title: packed.note.title, source }));
}

/** The journal's record of a decoded EntryPublished event of a deployment. */
export function mintedRecord(deployment: Deployment, event: PublishedEvent): MintedRecord {
  return {
    event: "minted",
    chainId: deployment.chainId,
    contract: deployment.address,
    author: event.author,
    digest: event.digest,
    cid: event.cid,
    ...(event.noteKey !== undefined ? { noteKey: event.noteKey } : {}),
    tokenId: event.tokenId.toString(),
    txHash: event.txHash,
    block: Number(event.blockNumber),
  };
}

/** The journal's record of a decoded EntryRevised event of a token by `author`. */
export function revisedRecord(deployment: Deployment, author: string, event: EntryRevisedEvent): RevisedRecord {
  return {
    event: "revised",
    chainId: deployment.chainId,
    contract: deployment.address,
    author,
    tokenId: event.tokenId.toString(),
    revision: Number(event.revision),
    digest: event.digest,
    cid: event.cid,
    txHash: event.txHash,
    block: Number(event.blockNumber),
  };
}

export type JournalRecord = PackedRecord | PinnedRecord | MintSentRecord | MintedRecord | RevisedRecord | RemotePinRecord;
type Stamped = JournalRecord & { at: string };

export class Journal {
  readonly file: string;
  readonly #records: Stamped[];
  readonly #pinned = new Set<string>();
  readonly #minted = new Set<string>();
  readonly #revised = new Set<string>();
  /** Last remote status by service + endpoint + CID. */
  readonly #remote = new Map<string, RemotePinRecord["status"]>();

  private constructor(file: string, records: Stamped[]) {
    this.file = file;
    this.#records = [];
    for (const record of records) this.#remember(record);
  }

  /** Opens (or starts) the journal in `home`. */
  static async open(home: string): Promise<Journal> {
    const file = path.join(home, JOURNAL_FILE_NAME);
    await mkdir(home, { recursive: true });
    let text = "";
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    const records: Stamped[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as Stamped);
      } catch {
        // A line cut short by a crash while it was written: the step it recorded is redone.
      }
    }
    return new Journal(file, records);
  }

  get records(): readonly Stamped[] {
    return this.#records;
  }

  /** Appends records and waits until they are on disk. */
  async append(...records: JournalRecord[]): Promise<void> {
    if (records.length === 0) return;
    const at = new Date().toISOString();
    const stamped = records.map((r) => ({ ...r, at }));
    const handle = await open(this.file, "a");
    try {
      await handle.write(stamped.map((r) => `${JSON.stringify(r)}\n`).join(""));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    for (const record of stamped) this.#remember(record);
  }

  isPinned(cid: string): boolean {
    return this.#pinned.has(cid);
  }

  /** The last status a remote service reported for a CID, if it was ever asked. */
  remotePinStatus(service: { name: string; endpoint: string }, cid: string): RemotePinRecord["status"] | undefined {
    return this.#remote.get(remoteKey(service.name, service.endpoint, cid));
  }

  isMinted(contract: string, author: string, digest: string): boolean {
    return this.#minted.has(mintKey(contract, author, digest));
  }

  /** Whether revision `revision` of `tokenId` of `contract` is recorded. */
  isRevised(contract: string, tokenId: bigint, revision: bigint): boolean {
    return this.#revised.has(`${contract.toLowerCase()}:${tokenId}:${revision}`);
  }

  /** Every (author, digest) ever minted on a chain, first publish first, each once. */
  mintedEntries(chainId: number): MintedRecord[] {
    const seen = new Set<string>();
    const out: MintedRecord[] = [];
    for (const r of this.#records) {
      if (r.event !== "minted" || r.chainId !== chainId) continue;
      const key = `${r.author.toLowerCase()}:${r.digest}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
    return out;
  }

  /**
   * Every revision recorded on a chain, in order, each (token, revision) once: what a
   * fresh local chain replays after the entries (`npm start`).
   */
  revisions(chainId: number): RevisedRecord[] {
    const seen = new Set<string>();
    const out: RevisedRecord[] = [];
    for (const r of this.#records) {
      if (r.event !== "revised" || r.chainId !== chainId) continue;
      const key = `${r.tokenId}:${r.revision}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
    return out;
  }

  #remember(record: Stamped): void {
    this.#records.push(record);
    if (record.event === "pinned") this.#pinned.add(record.cid);
    if (record.event === "minted") this.#minted.add(mintKey(record.contract, record.author, record.digest));
    if (record.event === "revised") this.#revised.add(`${record.contract.toLowerCase()}:${record.tokenId}:${record.revision}`);
    if (record.event === "remote-pin") this.#remote.set(remoteKey(record.service, record.endpoint, record.cid), record.status);
  }
}

function remoteKey(service: string, endpoint: string, cid: string): string {
  return `${service}\n${endpoint}\n${cid}`;
}

function mintKey(contract: string, author: string, digest: string): string {
  return `${contract.toLowerCase()}:${author.toLowerCase()}:${digest.toLowerCase()}`;
}
