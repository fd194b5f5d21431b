/**
 * `#/note/<author>/<noteKey>`: the page an entry's metadata `external_url` names (an entry cannot
 * name its own CID or token). Finds the author's token published with that note key (the indexed
 * EntryPublished topics) and opens its entry page, which shows the latest version.
 */
import { useEffect, useState } from "react";
import { isAddress, isHex, type Address, type Hex } from "viem";
import { deployBlock, entryEvents } from "../chain/registry.ts";
import { entryHref, navigate } from "../router.ts";
import { messageOf } from "../errors.ts";
import { Problem } from "../ui/Problem.tsx";

export function NoteRedirect({ author, noteKey }: { author: string; noteKey: string }) {
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    if (!isAddress(author, { strict: false }) || !isHex(noteKey) || noteKey.length !== 66) {
      setProblem(`“${author}/${noteKey}” is not an author's address and a note key (0x and 64 hex digits).`);
      return;
    }
    let live = true;
    entryEvents.entriesOfNote(author as Address, noteKey.toLowerCase() as Hex, deployBlock()).then(
      (events) => {
        if (!live) return;
        if (events.length === 0) setProblem("This registry has no entry of that author for that note. The link may be meant for another chain or registry.");
        else navigate(entryHref(String(events[0].tokenId)), true);
      },
      (error) => live && setProblem(`Could not read the registry: ${messageOf(error)}`),
    );
    return () => {
      live = false;
    };
  }, [author, noteKey]);
  if (!problem) return <p className="muted loading">Finding the note's entry…</p>;
  return (
    <Problem title="No such note here" testId="note-not-found" actions={<a href="#/">Browse every entry</a>}>
      <p className="wrap">{problem}</p>
    </Problem>
  );
}
