/**
 * `#/author/<address>`: one author's entries (the feed's list, filtered), with their identicon,
 * full address, how many entries they published and the tags they use most.
 */
import { useMemo, useSyncExternalStore } from "react";
import { entriesIndex } from "../feed/entries-index.ts";
import { summaries } from "../feed/metadata.ts";
import { FeedPage } from "../feed/FeedPage.tsx";
import { authorHref, tagHref, type ListQuery } from "../router.ts";
import { Identicon } from "../ui/Identicon.tsx";
import { shortAddress } from "../wallet/short-address.ts";

export function AuthorPage({ author, q, sort }: { author: string } & ListQuery) {
  const index = useSyncExternalStore(entriesIndex.subscribe, entriesIndex.snapshot);
  const loaded = useSyncExternalStore(summaries.subscribe, summaries.snapshot);
  const theirs = useMemo(() => index.entries.filter((e) => e.author.toLowerCase() === author.toLowerCase()), [index.entries, author]);
  const tags = useMemo(() => {
    summaries.request(theirs.map((e) => e.cid));
    const counts = new Map<string, number>();
    for (const entry of theirs) {
      const state = loaded.get(entry.cid);
      if (state?.status === "ok") for (const t of state.value.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
  }, [theirs, loaded]);
  const valid = /^0x[0-9a-fA-F]{40}$/.test(author);

  const header = (
    <header className="list-header author-header" data-testid="author-header">
      <Identicon address={author} size={56} />
      <div>
        <h1 id="feed-title">{valid ? shortAddress(author) : "Unknown author"}</h1>
        <p className="mono wrap muted small">{author}</p>
        <p className="muted" data-testid="author-count">
          {index.status === "loading" ? "Counting entries…" : `${theirs.length} entr${theirs.length === 1 ? "y" : "ies"} published`}
        </p>
        {tags.length > 0 && (
          <nav className="tag-cloud" aria-label="Their tags">
            {tags.map(([t, n]) => (
              <a key={t} className="tag" href={tagHref(t)}>
                <bdi>#{t}</bdi> <span className="muted">{n}</span>
              </a>
            ))}
          </nav>
        )}
      </div>
    </header>
  );
  if (!valid) {
    return (
      <section className="list-page">
        {header}
        <p className="problem error" role="alert">
          “<bdi>{author}</bdi>” is not an Ethereum address (0x and 40 hex digits). <a href="#/">Back to every entry</a>.
        </p>
      </section>
    );
  }
  return <FeedPage author={author} q={q} sort={sort} header={header} hrefFor={(query) => authorHref(author, query)} />;
}
