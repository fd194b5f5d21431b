/**
 * A note's tags as links to their tag pages (`#tag`, each isolated for bidirectional text), in a
 * span with the caller's class; nothing at all when there are no tags.
 */
import { tagHref } from "../router.ts";

export function TagLinks({ tags, className }: { tags: readonly string[]; className: string }) {
  if (tags.length === 0) return null;
  return (
    <span className={className}>
      {tags.map((tag) => (
        <a key={tag} className="tag" href={tagHref(tag)}>
          <bdi>#{tag}</bdi>
        </a>
      ))}
    </span>
  );
}
