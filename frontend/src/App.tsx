import { lazy, Suspense, useEffect } from "react";
import { useRoute } from "./router.ts";
import { WalletPanel, WrongChainBanner } from "./wallet/WalletPanel.tsx";
import { FeedPage } from "./feed/FeedPage.tsx";
import { AuthorPage } from "./pages/AuthorPage.tsx";
import { TagPage } from "./pages/TagPage.tsx";

// The entry page's code is fetched while the feed is shown. Once it is here it is rendered
// directly: going through lazy() again would suspend, and React holds a suspended reveal ~300 ms.
let entryModule: typeof import("./entry/EntryPage.tsx") | undefined;
const loadEntryPage = () => import("./entry/EntryPage.tsx").then((m) => (entryModule = m));
const LazyEntryPage = lazy(() => loadEntryPage().then((m) => ({ default: m.EntryPage })));
const EditorPage = lazy(() => import("./editor/EditorPage.tsx").then((m) => ({ default: m.EditorPage })));
const NoteRedirect = lazy(() => import("./entry/NoteRedirect.tsx").then((m) => ({ default: m.NoteRedirect })));
const SettingsPage = lazy(() => import("./settings/SettingsPage.tsx").then((m) => ({ default: m.SettingsPage })));

/**
 * Each page is a new <main> (keyed by the page), focused as it mounts: keyboard and screen-reader
 * users start at the new page's content, not at the link they followed.
 */
const focusOnMount = (main: HTMLElement | null) => main?.focus({ preventScroll: true });

export function App() {
  const route = useRoute();
  useEffect(() => {
    // Fetch the entry page's code while the user looks at the feed, so opening an entry is instant.
    const warm = () => void loadEntryPage().then((m) => m.warmUp());
    if (typeof requestIdleCallback === "function") {
      const idle = requestIdleCallback(warm, { timeout: 300 });
      return () => cancelIdleCallback(idle);
    }
    const timer = setTimeout(warm, 300);
    return () => clearTimeout(timer);
  }, []);
  const listPage = route.page === "feed" || route.page === "author" || route.page === "tag";

  return (
    <>
      {/* A button, not a link to #main: the hash is the app's route. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header className="site-header">
        <a className="brand" href="#/" aria-label="Today I Learned, home">
          <span className="brand-mark" aria-hidden="true">
            TIL
          </span>
          <span className="brand-name">Today I Learned</span>
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={listPage ? "page" : undefined}>
            Feed
          </a>
          <a href="#/write" aria-current={route.page === "write" ? "page" : undefined}>
            Write
          </a>
          <a href="#/settings" aria-current={route.page === "settings" ? "page" : undefined}>
            Settings
          </a>
        </nav>
        <WalletPanel />
      </header>
      <WrongChainBanner />
      <main key={route.page} ref={focusOnMount} id="main" tabIndex={-1} className={route.page === "entry" ? "reading" : undefined}>
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {route.page === "feed" && <FeedPage tag={route.tag} author={route.author} q={route.q} sort={route.sort} />}
          {route.page === "author" && <AuthorPage key={route.author} author={route.author} q={route.q} sort={route.sort} />}
          {route.page === "tag" && <TagPage key={route.tag} tag={route.tag} q={route.q} sort={route.sort} />}
          {route.page === "entry" &&
            (entryModule ? <entryModule.EntryPage key={route.ref} entryRef={route.ref} /> : <LazyEntryPage key={route.ref} entryRef={route.ref} />)}
          {route.page === "write" && <EditorPage />}
          {route.page === "edit" && <EditorPage key={route.tokenId} tokenId={route.tokenId} />}
          {route.page === "note" && <NoteRedirect author={route.author} noteKey={route.noteKey} />}
          {route.page === "settings" && <SettingsPage />}
          {route.page === "not-found" && (
            <div className="problem notice" role="status">
              <h1>No such page</h1>
              <p>
                Nothing lives at “<bdi>{route.path}</bdi>”. <a href="#/">Back to every entry</a>.
              </p>
            </div>
          )}
        </Suspense>
      </main>
    </>
  );
}
