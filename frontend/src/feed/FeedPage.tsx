/**
 * The feed: every entry, newest first, windowed (only the rows on screen are in the DOM, so
 * 10,000 entries scroll smoothly). Filter by tag and author, search titles, tags and full text
 * through the search index, which fills in the background (../search/entry-indexer.ts).
 */
import { type ReactNode, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { entriesIndex } from "./entries-index.ts";
import { summaries } from "./metadata.ts";
import { filterEntries } from "./filter.ts";
import { entryIndexer } from "../search/entry-indexer.ts";
import { feedHref, navigate, tagHref, type FeedSort } from "../router.ts";
import { shortAddress } from "../wallet/short-address.ts";
import { FeedRow, ROW_HEIGHT } from "./FeedRow.tsx";
import { sortEntries } from "./sort.ts";
import { RegistryProblem, useRegistryHealth } from "../ui/RegistryProblem.tsx";
import { feedStatusText } from "./feed-status.ts";
import { appChain } from "../wagmi.ts";
import { settings } from "../settings/settings.ts";

const OVERSCAN = 6;

export interface FeedPageProps {
  tag?: string;
  author?: string;
  q?: string;
  sort?: FeedSort;
  /** Replaces the feed's own heading (the author and tag pages). */
  header?: ReactNode;
  /** This list's URL with another search text or order. */
  hrefFor?: (query: { q?: string; sort?: FeedSort }) => string;
}

export function FeedPage({ tag, author, q, sort = "date", header, hrefFor = (query) => feedHref({ tag, author, ...query }) }: FeedPageProps) {
  const index = useSyncExternalStore(entriesIndex.subscribe, entriesIndex.snapshot);
  const loaded = useSyncExternalStore(summaries.subscribe, summaries.snapshot);
  const indexed = useSyncExternalStore(entryIndexer.subscribe, entryIndexer.snapshot);
  const [query, setQuery] = useState(q ?? "");
  useEffect(() => setQuery(q ?? ""), [q]);

  // Every entry's metadata and full text go into the search index, in the background.
  useEffect(() => entryIndexer.add(index.entries), [index.entries]);
  const needsIndex = Boolean(tag || q);
  const visible = useMemo(() => filterEntries(index.entries, { tag, author, q }, indexed.index), [index.entries, tag, author, q, indexed]);
  useEffect(() => {
    // Ordering by the notes' own dates needs every entry's metadata.
    if (sort === "date") summaries.request(index.entries.map((e) => e.cid));
  }, [sort, index.entries]);
  const ordered = useMemo(
    () =>
      sortEntries(visible, sort, (cid) => {
        const state = loaded.get(cid);
        return state?.status === "ok" ? state.value.date : undefined;
      }),
    [visible, sort, loaded],
  );
  const health = useRegistryHealth(index.status === "error" || (index.status === "ready" && index.entries.length === 0));
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

  const rows = ordered.slice(range.start, range.end);
  // The rows on screen have their summaries read first; asked again only when other rows show
  // (by their CIDs, not on every render).
  const rowCids = rows.map((e) => e.cid).join(" ");
  useEffect(() => summaries.request(rowCids.split(" ").filter(Boolean), true), [rowCids]);

  const allTags = useMemo(() => indexed.index.topTags(30), [indexed]);
  const indexing = indexed.progress.indexed < index.entries.length || !index.historyComplete;

  return (
    <section aria-labelledby="feed-title" className="list-page">
      {header ?? (
        <header className="list-header">
          <h1 id="feed-title">Today I Learned</h1>
          <p className="lede">Short notes people learned something from, published for good: each one on IPFS, its address kept on chain.</p>
        </header>
      )}
      <search>
        <form
          className="filters"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(hrefFor({ q: query.trim(), sort }));
          }}
        >
          <label>
            <span className="visually-hidden">Search entries</span>
            <input type="search" value={query} placeholder="Search titles, tags, full text…" onChange={(e) => setQuery(e.target.value)} data-testid="search" />
          </label>
          <button type="submit">Search</button>
          <fieldset className="sort-toggle" aria-label="Order">
            <a href={hrefFor({ q, sort: "date" })} aria-current={sort === "date" ? "true" : undefined} data-testid="sort-date">
              By note date
            </a>
            <a href={hrefFor({ q, sort: "published" })} aria-current={sort === "published" ? "true" : undefined} data-testid="sort-published">
              By publishing time
            </a>
          </fieldset>
          {/* the author and tag pages say whose or which entries in their own header */}
          {(q || (!header && (tag || author))) && (
            <p className="active-filters" data-testid="active-filters">
              {tag && !header && <span className="chip">tag: {tag}</span>}
              {author && !header && <span className="chip">author: {shortAddress(author)}</span>}
              {q && <span className="chip">text: “{q}”</span>}
              <a href={header ? hrefFor({ sort }) : "#/"}>Clear {header ? "search" : "filters"}</a>
            </p>
          )}
        </form>
      </search>
      {allTags.length > 0 && !header && (
        <nav aria-label="Tags" className="tag-cloud">
          {allTags.map(([t, n]) => (
            <a key={t} className="tag" href={tagHref(t)} aria-current={t === tag ? "true" : undefined}>
              <bdi>#{t}</bdi> <span className="muted">{n}</span>
            </a>
          ))}
        </nav>
      )}
      <p className="muted small" aria-live="polite" data-testid="feed-status">
        {feedStatusText({
          status: index.status,
          shown: visible.length,
          total: index.entries.length,
          historyComplete: index.historyComplete,
          health,
          indexed: needsIndex && indexing ? indexed.progress.indexed : undefined,
          chain: { id: appChain.id, rpcUrl: settings.rpcUrl },
        })}
      </p>
      {index.status === "error" && <RegistryProblem health={health} error={health?.status === "ok" ? index.error : undefined} />}
      {index.status === "ready" && index.entries.length === 0 && health?.status === "no-contract" && <RegistryProblem health={health} />}
      {index.status === "ready" && index.entries.length === 0 && health?.status === "ok" && (
        <div className="empty" data-testid="no-entries">
          <p>No entries yet.</p>
          <p>
            <a className="button primary" href="#/write">
              Write the first one
            </a>
          </p>
        </div>
      )}
      <ol ref={listRef} className="feed" style={{ height: visible.length * ROW_HEIGHT }} data-testid="feed">
        {rows.map((entry, i) => (
          <FeedRow key={`${entry.tokenId}`} entry={entry} state={loaded.get(entry.cid)} top={(range.start + i) * ROW_HEIGHT} />
        ))}
      </ol>
    </section>
  );
}
