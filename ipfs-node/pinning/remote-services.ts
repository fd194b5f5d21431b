/**
 * The remote pinning services this node knows (`pin/remote/service/add|ls|rm`), as Kubo keeps them
 * in `Pinning.RemoteServices`: a name, an API endpoint and an access key, in
 * `<repo>/pinning/remote-services.json` (mode 0600, beside the node's private key). The key is
 * read only to call the service: nothing lists, prints or logs it.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { InvalidArgumentError } from "../errors.ts";
import { RemotePinningClient } from "./client.ts";
import { pinningFolder } from "./tokens.ts";

export interface RemoteService {
  name: string;
  endpoint: string;
}

interface StoredService extends RemoteService {
  key: string;
}

export class RemoteServices {
  readonly file: string;

  constructor(repoPath: string) {
    this.file = path.join(pinningFolder(repoPath), "remote-services.json");
  }

  /** Names and endpoints (never keys), in the order they were added. */
  async list(): Promise<RemoteService[]> {
    return (await this.#read()).map(({ name, endpoint }) => ({ name, endpoint }));
  }

  async add(name: string, endpoint: string, key: string): Promise<void> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
      throw new InvalidArgumentError(`service name "${name.slice(0, 80)}" must be 1-64 letters, digits, '.', '_' or '-'`);
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new InvalidArgumentError(`service endpoint "${endpoint.slice(0, 200)}" is not a URL; give the API's base, e.g. https://api.pinata.cloud/psa`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("service endpoint must be an http:// or https:// URL");
    if (url.username || url.password) throw new InvalidArgumentError("service endpoint must not carry credentials; pass the key as the third argument");
    if (key === "" || key.length > 8192 || /\s/.test(key)) throw new InvalidArgumentError("service key must be a non-empty token without spaces");
    const services = await this.#read();
    if (services.some((s) => s.name === name)) throw new InvalidArgumentError(`service already present: ${name}`);
    await this.#write([...services, { name, endpoint: url.href.replace(/\/+$/, ""), key }]);
  }

  /** Removes a service; removing one that is not there does nothing, as in Kubo. */
  async remove(name: string): Promise<void> {
    const services = await this.#read();
    if (services.some((s) => s.name === name)) await this.#write(services.filter((s) => s.name !== name));
  }

  /** A client for a named service. */
  async client(name: string): Promise<RemotePinningClient> {
    const service = (await this.#read()).find((s) => s.name === name);
    if (!service)
      throw new InvalidArgumentError(`service not known: "${name.slice(0, 80)}"; add it with pin/remote/service/add (til: ipfs pin remote service add)`);
    return new RemotePinningClient(service.endpoint, service.key);
  }

  async #read(): Promise<StoredService[]> {
    try {
      const parsed = JSON.parse(await readFile(this.file, "utf8")) as { services?: StoredService[] };
      return Array.isArray(parsed.services) ? parsed.services : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
  }

  async #write(services: StoredService[]): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify({ services }, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, this.file);
  }
}
