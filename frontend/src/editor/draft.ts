/**
 * The draft being written: text fields in localStorage (written synchronously on every change, so
 * a reload never loses a keystroke), images in IndexedDB (too large for localStorage). Nothing
 * here is cleared by a failed publish; only a successful one starts a new draft.
 */

export interface DraftText {
  title: string;
  date: string;
  /** Comma-separated, as typed. */
  tags: string;
  body: string;
  /** The note's identity (note-identity.ts): set when editing a published entry, whose identity a revision keeps. */
  id?: string;
}

export interface DraftImage {
  /** Destination as written in the markdown, e.g. "images/diagram.png". */
  path: string;
  type: string;
  bytes: Uint8Array;
}

export const DRAFT_TEXT_KEY = "til.draft";

/**
 * Where the draft of a revision of token `tokenId` whose latest version is `baseCid` is kept (apart
 * from the new entry's draft; a draft made against an older version is not offered again).
 */
export const revisionDraftKey = (tokenId: string, baseCid: string): string => `${DRAFT_TEXT_KEY}.revise.${tokenId}.${baseCid}`;

export const emptyDraft = (): DraftText => ({ title: "", date: new Date().toISOString().slice(0, 10), tags: "", body: "" });

export function loadDraftText(storage: Pick<Storage, "getItem"> = localStorage, key = DRAFT_TEXT_KEY): DraftText {
  try {
    const saved = JSON.parse(storage.getItem(key) ?? "null") as Partial<DraftText> | null;
    if (saved && typeof saved === "object") return { ...emptyDraft(), ...saved };
  } catch {
    // A broken saved draft: start a new one.
  }
  return emptyDraft();
}

export function saveDraftText(draft: DraftText, storage: Pick<Storage, "setItem"> = localStorage, key = DRAFT_TEXT_KEY): void {
  storage.setItem(key, JSON.stringify(draft));
}

export function clearDraftText(storage: Pick<Storage, "removeItem"> = localStorage, key = DRAFT_TEXT_KEY): void {
  storage.removeItem(key);
}

/** Tags as typed ("rust, db  ,sql") to a list. */
export const splitTags = (text: string): string[] =>
  text
    .split(",")
    .map((t) => t.trim().replace(/^#/, ""))
    .filter(Boolean);

/** A file name reduced to a safe image path inside the entry ("My Pic.PNG" -> "images/My-Pic.png"). */
export function imagePathFor(name: string, taken: Set<string>): string {
  const fileName = name.split(/[/\\]/).pop() ?? "";
  const dot = fileName.lastIndexOf(".");
  const ext =
    dot > 0
      ? fileName
          .slice(dot + 1)
          .toLowerCase()
          .replace(/[^a-z0-9]/g, "")
      : "png";
  const stem = (dot > 0 ? fileName.slice(0, dot) : fileName).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "") || "image";
  let path = `images/${stem}.${ext}`;
  for (let i = 2; taken.has(path); i++) path = `images/${stem}-${i}.${ext}`;
  return path;
}

const DB_NAME = "til-draft";
const STORE = "images";

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "path" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T> | undefined): Promise<T | undefined> {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = run(tx.objectStore(STORE));
    tx.oncomplete = () => {
      db.close();
      resolve(request ? request.result : undefined);
    };
    tx.onerror = () => {
      db.close();
      reject(tx.error);
    };
  });
}

export async function loadDraftImages(): Promise<DraftImage[]> {
  if (typeof indexedDB === "undefined") return [];
  return ((await withStore("readonly", (store) => store.getAll())) as DraftImage[] | undefined) ?? [];
}

export async function saveDraftImage(image: DraftImage): Promise<void> {
  await withStore("readwrite", (store) => void store.put(image));
}

export async function deleteDraftImage(path: string): Promise<void> {
  await withStore("readwrite", (store) => void store.delete(path));
}

export async function clearDraftImages(): Promise<void> {
  if (typeof indexedDB === "undefined") return;
  await withStore("readwrite", (store) => void store.clear());
}
