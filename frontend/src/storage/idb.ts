/**
 * The app's IndexedDB database ("til"), for what it keeps across visits: the registry's events by
 * block range (feed/event-cache.ts) and the search index's records by CID (search/). Content never
 * changes under a CID, so nothing here needs invalidating; event ranges are keyed by the chain's
 * deploy block hash. Without IndexedDB (private modes, tests) every call resolves to nothing and
 * the app reads from the network as before.
 */
const DB_NAME = "til";
const DB_VERSION = 1;
export const STORES = { eventWindows: "eventWindows", entryTerms: "entryTerms" } as const;
type StoreName = (typeof STORES)[keyof typeof STORES];

let opening: Promise<IDBDatabase | undefined> | undefined;

/** The database, opened once; undefined where IndexedDB is missing or refused. */
function openDatabase(): Promise<IDBDatabase | undefined> {
  opening ??= new Promise((resolve) => {
    if (typeof indexedDB === "undefined") return resolve(undefined);
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.open(DB_NAME, DB_VERSION);
    } catch {
      return resolve(undefined);
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORES.eventWindows)) db.createObjectStore(STORES.eventWindows);
      if (!db.objectStoreNames.contains(STORES.entryTerms)) db.createObjectStore(STORES.entryTerms);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(undefined);
    request.onblocked = () => resolve(undefined);
  });
  return opening;
}

const done = <T>(request: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

/** Writes `value` under `key`; failures (quota) are ignored: the cache is an optimisation. */
export async function put(store: StoreName, key: string, value: unknown): Promise<void> {
  const db = await openDatabase();
  if (!db) return;
  try {
    await done(db.transaction(store, "readwrite").objectStore(store).put(value, key));
  } catch {
    /* quota or a closed database: not cached */
  }
}

/** Several records in one transaction. */
export async function putMany(store: StoreName, records: Array<[string, unknown]>): Promise<void> {
  const db = await openDatabase();
  if (!db || records.length === 0) return;
  try {
    const tx = db.transaction(store, "readwrite");
    const os = tx.objectStore(store);
    for (const [key, value] of records) os.put(value, key);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } catch {
    /* not cached */
  }
}

/** The values under `keys`, in order (undefined where missing). */
export async function getMany<T>(store: StoreName, keys: string[]): Promise<Array<T | undefined>> {
  const db = await openDatabase();
  if (!db || keys.length === 0) return keys.map(() => undefined);
  try {
    const os = db.transaction(store, "readonly").objectStore(store);
    return await Promise.all(keys.map((key) => done(os.get(key) as IDBRequest<T | undefined>)));
  } catch {
    return keys.map(() => undefined);
  }
}

/** Every value whose key starts with `prefix`. */
export async function getByPrefix<T>(store: StoreName, prefix: string): Promise<T[]> {
  const db = await openDatabase();
  if (!db) return [];
  try {
    const os = db.transaction(store, "readonly").objectStore(store);
    return (await done(os.getAll(IDBKeyRange.bound(prefix, `${prefix}\uffff`)))) as T[];
  } catch {
    return [];
  }
}
