/**
 * What editing a published entry starts from: its token (author, latest version's CID), its
 * note read verified from that version's index.md, and the images it packed (read verified too,
 * so the revision packs them again), as a draft for the editor. The note's identity is kept: its
 * front matter `id`, or for an entry of format v1 the identity its title and date give.
 */
import { checkImage } from "#core/entry/image-check.ts";
import { findImageReferences } from "#core/entry/markdown-scan.ts";
import { noteIdentity } from "#core/entry/note-identity.ts";
import { parseNote } from "#core/entry/note.ts";
import { digestToCid } from "#core/cid.ts";
import { readEntryFacts } from "../chain/registry.ts";
import { readVerified, textOf } from "../ipfs/reader.ts";
import type { DraftImage, DraftText } from "./draft.ts";
import type { RevisionTarget } from "./publish.ts";

export interface RevisionBase {
  target: RevisionTarget;
  draft: DraftText;
  images: DraftImage[];
}

/** Reads the entry `tokenId` (decimal or 0x-hex) to edit. */
export async function loadRevisionBase(tokenId: string): Promise<RevisionBase> {
  let id: bigint;
  try {
    id = BigInt(tokenId);
  } catch {
    throw new Error(`“${tokenId}” is not a token id.`);
  }
  const facts = await readEntryFacts(id);
  const cid = digestToCid(facts.digest);
  const markdown = (await readVerified(cid, "index.md")).bytes;
  const note = parseNote(textOf(markdown));
  const paths = findImageReferences(note.body)
    .filter((reference) => reference.local && reference.destination.startsWith("images/"))
    .map((reference) => reference.destination);
  const images: DraftImage[] = [];
  for (const path of paths) {
    const { bytes } = await readVerified(cid, path);
    const check = checkImage(bytes);
    if (check.ok) images.push({ path, type: check.mime, bytes });
  }
  const files = new Map<string, Uint8Array>([["index.md", markdown], ...images.map((image) => [image.path, image.bytes] as [string, Uint8Array])]);
  return {
    target: { tokenId: id, author: facts.author, cid, files },
    draft: { title: note.title, date: note.date ?? "", tags: note.tags.join(", "), body: note.body, id: note.id ?? noteIdentity(note) },
    images,
  };
}
