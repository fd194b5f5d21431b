/**
 * The feed: every entry, newest first, windowed (only the rows on screen are in the DOM, so
 * 10,000 entries scroll smoothly). Filter by tag and author, search titles, tags and full text
 * through the search index, which fills in the background (../search/entry-indexer.ts).
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { entriesIndex, type IndexedEntry } from "./entries-index.ts";
import { summaries, type SummaryState } from "./metadata.ts";
import { filterEntries } from "./filter.ts";
import { entryIndexer } from "../search/entry-indexer.ts";
import { entryHref, feedHref, navigate } from "../router.ts";
import { shortAddress } from "../wallet/short-address.ts";

const ROW_HEIGHT = 104;
const OVERSCAN = 6;

export function FeedPage({ tag, author, q }: { tag?: string; author?: string; q?: string }) {
  const index = useSyncExternalStore(entriesIndex.subscribe, entriesIndex.snapshot);
  useSyncExternalStore(summaries.subscribe, summaries.version);
  const indexVersion = useSyncExternalStore(entryIndexer.subscribe, entryIndexer.version);
  const [query, setQuery] = useState(q ?? "");
  useEffect(() => setQuery(q ?? ""), [q]);

  // Every entry's metadata and full text go into the search index, in the background.
  useEffect(() => entryIndexer.add(index.entries), [index.entries]);
  const progress = entryIndexer.progress();
  const needsIndex = Boolean(tag || q);
  const visible = useMemo(
    () => filterEntries(index.entries, { tag, author, q }, entryIndexer.index),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [index.entries, tag, author, q, indexVersion],
  );
  const listRef = useRef<HTMLOListElement>(null);
  const [range, setRange] = useState({ start: 0, end: 30 });

  useLayoutEffect(() => {
    const update = () => {
      const list = listRef.current;
      if (!list) return;
      const top = list.getBoundingClientRect().top;
      const start = Math.max(0, Math.floor(-top / ROW_HEIGHT) - OVERSCAN);
      const end = Math.min(visible.length, Math.ceil((window.innerHeight - top) / ROW_HEIGHT) + OVERSCAN);
      setRange((old) => (old.start === start && old.end === end ? old : { start, end }));
    };
    update();
    window.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    return () => {
      window.removeEventListener("scroll", update);
      window.removeEventListener("resize", update);
    };
  }, [visible.length]);

  const rows = visible.slice(range.start, range.end);
  const rowKey = rows.map((e) => e.cid).join();
  useEffect(() => {
    summaries.request(rows.map((e) => e.cid), true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [rowKey]);

  // eslint-disable-next-line react-hooks/exhaustive-deps
  const allTags = useMemo(() => entryIndexer.index.topTags(30), [indexVersion]);
  const indexing = progress.indexed < index.entries.length || !index.historyComplete;

  return (
    <section aria-labelledby="feed-title">
      <h1 id="feed-title">Entries</h1>
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(feedHref({ tag, author, q: query.trim() }));
        }}
      >
        <label>
          <span className="visually-hidden">Search entries</span>
          <input type="search" value={query} placeholder="Search titles, tags, full text…" onChange={(e) => setQuery(e.target.value)} data-testid="search" />
        </label>
        <button type="submit">Search</button>
        {(tag || author || q) && (
          <p className="active-filters" data-testid="active-filters">
            {tag && <span className="chip">tag: {tag}</span>}
            {author && <span className="chip">author: {shortAddress(author)}</span>}
            {q && <span className="chip">text: “{q}”</span>}
            <a href="#/">Clear filters</a>
          </p>
        )}
      </form>
      {allTags.length > 0 && (
        <nav aria-label="Tags" className="tag-cloud">
          {allTags.map(([t, n]) => (
            <a key={t} className="tag" href={feedHref({ tag: t, author, q })} aria-current={t === tag ? "true" : undefined}>
              #{t} <span className="muted">{n}</span>
            </a>
          ))}
        </nav>
      )}
      <p className="muted small" aria-live="polite" data-testid="feed-status">
        {index.status === "loading" && "Reading entries from the chain…"}
        {index.status !== "loading" &&
          `${visible.length} of ${index.entries.length} entr${index.entries.length === 1 ? "y" : "ies"}${index.historyComplete ? "" : " (reading older entries…)"}${needsIndex && indexing ? ` (indexed ${progress.indexed.toLocaleString("en")} of ${index.entries.length.toLocaleString("en")}; more matches may appear)` : ""}`}
      </p>
      {index.status === "error" && (
        <p role="alert" className="error">
          {index.error}
        </p>
      )}
      {index.status === "ready" && index.entries.length === 0 && (
        <p>
          No entries yet. <a href="#/write">Write the first one</a>.
        </p>
      )}
      <ol ref={listRef} className="feed" style={{ height: visible.length * ROW_HEIGHT }} data-testid="feed">
        {rows.map((entry, i) => (
          <FeedRow key={`${entry.tokenId}`} entry={entry} state={summaries.get(entry.cid)} top={(range.start + i) * ROW_HEIGHT} />
        ))}
      </ol>
    </section>
  );
}

const FeedRow = memo(function FeedRow({ entry, state, top }: { entry: IndexedEntry; state: SummaryState | undefined; top: number }) {
  const summary = state?.status === "ok" ? state.value : undefined;
  return (
    <li className="feed-row" style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }} data-testid="feed-item" data-loaded={summary ? "true" : state ? "error" : "false"} data-cid={entry.cid}>
      <a className="feed-title" href={entryHref(entry.cid)}>
        {summary?.title ?? (state?.status === "error" ? (state.refused ? "(entry refused)" : "(content unavailable)") : "Loading…")}
      </a>
      <p className="feed-meta small">
        {summary?.date && <time dateTime={summary.date}>{summary.date}</time>}
        {summary?.tags.map((t) => (
          <a key={t} className="tag" href={feedHref({ tag: t })}>
            #{t}
          </a>
        ))}
      </p>
      <p className="feed-meta small muted">
        by{" "}
        <a href={feedHref({ author: entry.author })} title={entry.author}>
          {shortAddress(entry.author)}
        </a>{" "}
        · <code title={entry.cid}>{entry.cid.slice(0, 12)}…{entry.cid.slice(-6)}</code>
        {state?.status === "error" && !state.refused && <span className="error" title={state.error}> · not retrievable</span>}
        {state?.status === "error" && state.refused && (
          <span className="error" data-testid="feed-problem" title={state.error}>
            {" "}
            · refused: {state.error}
          </span>
        )}
      </p>
    </li>
  );
});
