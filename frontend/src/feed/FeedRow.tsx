/**
 * One row of a list of entries: the title, an excerpt of the note (metadata.json's description),
 * its date and tags, and its author as an identicon and short address. Rows have one fixed height
 * (the list is windowed); long titles and excerpts are cut to two lines each, never widened.
 */
import { memo } from "react";
import type { IndexedEntry } from "./entries-index.ts";
import type { SummaryState } from "./metadata.ts";
import { entryHref } from "../router.ts";
import { AuthorLink } from "../ui/Identicon.tsx";
import { TagLinks } from "../ui/TagLinks.tsx";

/** Height of a row in px, margins included: the list places rows at multiples of it. */
export const ROW_HEIGHT = 156;

export const FeedRow = memo(function FeedRow({ entry, state, top }: { entry: IndexedEntry; state: SummaryState | undefined; top: number }) {
  const summary = state?.status === "ok" ? state.value : undefined;
  return (
    <li
      className="feed-row"
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      data-testid="feed-item"
      data-loaded={summary ? "true" : state ? "error" : "false"}
      data-cid={entry.cid}
    >
      <a className="feed-title" href={entryHref(entry.cid)} dir="auto">
        {summary?.title ?? (state?.status === "error" ? (state.refused ? "(entry refused)" : "(content unavailable)") : "Loading…")}
      </a>
      <p className="feed-excerpt" dir="auto">
        {summary?.description}
        {state?.status === "error" && !state.refused && <span title={state.error}>No gateway served this entry's content yet; it may appear later.</span>}
        {state?.status === "error" && state.refused && (
          <span className="error" data-testid="feed-problem" title={state.error}>
            Refused: {state.error}
          </span>
        )}
      </p>
      <p className="feed-byline">
        <AuthorLink address={entry.author} />
        {summary?.date && <time dateTime={summary.date}>{summary.date}</time>}
        {summary && <TagLinks tags={summary.tags} className="feed-tags" />}
      </p>
    </li>
  );
});
