/**
 * Access tokens of this node's pinning service (`til ipfs pinning-token create|ls|revoke`), kept
 * in `<repo>/pinning/tokens.json` (mode 0600). Only a token's SHA-256 is stored: the token itself
 * is shown once, when it is made. Each token has a storage quota in bytes.
 *
 * The CLI edits the file while the daemon may be running (written to a temporary file, then
 * renamed); the daemon reads it again whenever its modification time changes, so a revoked token
 * is refused from the next request on.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export interface TokenRecord {
  /** Public identifier, also the token's prefix (what `ls` and `revoke` name). */
  id: string;
  name: string;
  /** SHA-256 of the whole token, hex. */
  sha256: string;
  quotaBytes: number;
  created: string;
  revoked?: string;
}

/** A token id or name that names no token. */
export class UnknownTokenError extends Error {
  static name = "UnknownTokenError";
  constructor(which: string) {
    super(`No pinning token "${which}": \`til ipfs pinning-token ls\` lists them.`);
    this.name = "UnknownTokenError";
  }
}

const TOKEN_PREFIX = "tilpin";

export function pinningFolder(repoPath: string): string {
  return path.join(repoPath, "pinning");
}

export class PinningTokens {
  readonly file: string;
  #records: TokenRecord[] = [];
  #loadedMtime = -1;

  constructor(repoPath: string) {
    this.file = path.join(pinningFolder(repoPath), "tokens.json");
  }

  /** Every token, revoked ones included. */
  async list(): Promise<TokenRecord[]> {
    await this.#reload();
    return [...this.#records];
  }

  /** Make a token; returns its record and the token, which is not stored and cannot be shown again. */
  async create(name: string, quotaBytes: number): Promise<{ record: TokenRecord; token: string }> {
    await this.#reload();
    const id = randomBytes(6).toString("hex");
    const token = `${TOKEN_PREFIX}_${id}_${randomBytes(32).toString("base64url")}`;
    const record: TokenRecord = { id, name, sha256: sha256Hex(token), quotaBytes, created: new Date().toISOString() };
    await this.#save([...this.#records, record]);
    return { record, token };
  }

  /** Revoke a token named by id or name. */
  async revoke(which: string): Promise<TokenRecord> {
    await this.#reload();
    const record = this.#records.find((r) => r.id === which || r.name === which);
    if (!record) throw new UnknownTokenError(which);
    const updated = { ...record, revoked: record.revoked ?? new Date().toISOString() };
    await this.#save(this.#records.map((r) => (r === record ? updated : r)));
    return updated;
  }

  /** The live token record a bearer token belongs to, or undefined. */
  async authenticate(token: string): Promise<TokenRecord | undefined> {
    const match = /^tilpin_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(token);
    if (!match) return undefined;
    await this.#reload();
    const record = this.#records.find((r) => r.id === match[1]);
    if (!record || record.revoked) return undefined;
    const expected = Buffer.from(record.sha256, "hex");
    const actual = Buffer.from(sha256Hex(token), "hex");
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? record : undefined;
  }

  async #reload(): Promise<void> {
    let mtime: number;
    try {
      mtime = (await stat(this.file)).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      this.#records = [];
      this.#loadedMtime = -1;
      return;
    }
    if (mtime === this.#loadedMtime) return;
    const parsed = JSON.parse(await readFile(this.file, "utf8")) as { tokens?: TokenRecord[] };
    this.#records = Array.isArray(parsed.tokens) ? parsed.tokens : [];
    this.#loadedMtime = mtime;
  }

  async #save(records: TokenRecord[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ tokens: records }, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.file);
    this.#records = records;
    this.#loadedMtime = -1;
  }
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
