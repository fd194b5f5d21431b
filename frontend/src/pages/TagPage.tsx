/** `#/tag/<tag>`: every entry with that tag (the feed's list, filtered by the search index). */
import { FeedPage } from "../feed/FeedPage.tsx";
import { tagHref, type ListQuery } from "../router.ts";

export function TagPage({ tag, q, sort }: { tag: string } & ListQuery) {
  const header = (
    <header className="list-header" data-testid="tag-header">
      <p className="kicker">Tag</p>
      <h1 id="feed-title" dir="auto">
        <bdi>#{tag}</bdi>
      </h1>
      <p className="muted">
        Every entry tagged <bdi>{tag}</bdi>. <a href="#/">All entries</a>
      </p>
    </header>
  );
  return <FeedPage tag={tag} q={q} sort={sort} header={header} hrefFor={(query) => tagHref(tag, query)} />;
}
