/**
 * A note's body rendered with the project's one renderer (core/entry renderMarkdown), used by the
 * entry page and the editor preview alike. The renderer already escapes raw HTML and refuses
 * unsafe URLs; here, in an inert DOMParser document, images of the entry's own directory are
 * detached from the network (they are filled in from verified bytes or the draft's files), links
 * open in a new tab without opener or referrer, and code blocks get syntax highlighting. The page
 * gets copies of that document's nodes, never an HTML string to parse again.
 */
import { useLayoutEffect, useMemo, useRef } from "react";
import { renderMarkdown } from "#core/entry/render.ts";
import type { Note } from "#core/entry/note.ts";
import { messageOf } from "../errors.ts";

export interface EntryBodyProps {
  note: Note;
  /** URL (blob:/data:) for an image path inside the entry directory, or undefined when missing. */
  resolveImage: (path: string) => Promise<string | undefined>;
  /** Base URL for relative links (the entry directory on a public gateway); absent: relative links are disabled. */
  linkBase?: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The renderer's output as the body of an inert document, with local images detached and links made to open safely. */
function prepareBody(note: Note, linkBase?: string): HTMLElement {
  const html = renderMarkdown(note.body, { omitLeadingTitle: note.title });
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  for (const img of Array.from(doc.querySelectorAll("img"))) {
    const src = img.getAttribute("src") ?? "";
    if (!SCHEME.test(src)) {
      img.removeAttribute("src");
      img.setAttribute("data-local-src", src.replace(/^\.\//, ""));
    }
  }
  for (const a of Array.from(doc.querySelectorAll("a"))) {
    const href = a.getAttribute("href") ?? "#";
    if (href.startsWith("#")) continue;
    if (!SCHEME.test(href)) {
      if (!linkBase) {
        a.setAttribute("href", "#");
        continue;
      }
      a.setAttribute("href", new URL(href, linkBase).href);
    }
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer nofollow");
  }
  return doc.body;
}

/** {@link prepareBody} as HTML. Exported for tests. */
export function prepareBodyHtml(note: Note, linkBase?: string): string {
  return prepareBody(note, linkBase).innerHTML;
}

export function EntryBody({ note, resolveImage, linkBase }: EntryBodyProps) {
  const body = useMemo(() => prepareBody(note, linkBase), [note, linkBase]);
  const ref = useRef<HTMLDivElement>(null);

  // Before paint (no empty frame): the wrapper's children are copies of the inert body's nodes (the
  // memoised body stays whole for a later run); React renders the wrapper only, never its children.
  useLayoutEffect(() => {
    const root = ref.current;
    if (!root) return;
    root.replaceChildren(...Array.from(body.childNodes, (node) => document.importNode(node, true)));
    let cancelled = false;
    for (const img of Array.from(root.querySelectorAll<HTMLImageElement>("img[data-local-src]"))) {
      const path = img.dataset.localSrc!;
      // The element stays (the body's layout holds); a missing image keeps no src and says why.
      const missing = (why: string) => {
        img.removeAttribute("src");
        img.classList.add("missing-image");
        img.title = `${why}: ${path}`;
      };
      resolveImage(path).then(
        (url) => {
          if (cancelled) return;
          if (!url) return missing("Image not in this entry");
          img.src = url;
          img.classList.remove("missing-image");
          img.removeAttribute("title");
        },
        (error: unknown) => !cancelled && missing(`Image unavailable (${messageOf(error)})`),
      );
    }
    const blocks = root.querySelectorAll<HTMLElement>("pre > code");
    if (blocks.length > 0) {
      void import("./highlight.ts").then(({ highlightBlocks }) => !cancelled && highlightBlocks(blocks));
    }
    return () => {
      cancelled = true;
    };
  }, [body, resolveImage]);

  const onClick = (event: React.MouseEvent) => {
    // In-page fragment links must not change the app's hash route.
    const a = (event.target as Element).closest("a");
    const href = a?.getAttribute("href");
    if (a && href?.startsWith("#")) {
      event.preventDefault();
      if (href.length > 1) ref.current?.querySelector(`[id="${CSS.escape(decodeURIComponent(href.slice(1)))}"]`)?.scrollIntoView();
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: event delegation for the note's fragment links, which take the keyboard themselves (Enter on a link is a click that bubbles here).
    // biome-ignore lint/a11y/useKeyWithClickEvents: as above: the links are the focusable elements; the wrapper only hears their clicks.
    <div ref={ref} className="entry-body" onClick={onClick} data-testid="entry-body" />
  );
}
