/**
 * One entry at a shareable URL (`#/entry/<cid>` or `#/entry/<token id>`): the note, read through
 * the gateways and verified against its CID, rendered safely; beside it the token's facts.
 */
import { useCallback, useEffect, useState } from "react";
import { parseNote, type Note } from "../../../core/entry/note.ts";
import { renderMarkdown } from "../../../core/entry/render.ts";
import { svgDataUrl } from "../../../core/entry/image-check.ts";
import { isolatedGatewayUrl } from "../../../core/gateway-url.ts";
import { readVerified, textOf } from "../ipfs/reader.ts";
import type { GatewayFailure } from "../../../core/retrieve/verified-blockstore.ts";
import { parseEntryRef, resolveEntry, type ResolvedEntry } from "./resolve.ts";
import { EntryBody } from "./EntryBody.tsx";
import { settings } from "../settings/settings.ts";
import { feedHref } from "../router.ts";
import { messageOf } from "../errors.ts";

const MIME: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", avif: "image/avif", svg: "image/svg+xml" };

/** Loads what opening an entry needs (reader, renderer, highlighter) ahead of the first click. */
export function warmUp(): void {
  renderMarkdown("# warm up\n\n`code`\n");
  parseNote("---\ntitle: warm\n---\nup\n");
  void import("../ipfs/reader.ts");
  void import("./highlight.ts");
}

interface LoadedContent {
  note: Note;
  servedBy: string[];
  failures: GatewayFailure[];
}

export function EntryPage({ entryRef }: { entryRef: string }) {
  const [cid, setCid] = useState<string>();
  const [chain, setChain] = useState<ResolvedEntry | { error: string }>();
  // `refused`: the entry is over the read limits (core/entry/limits.ts) and was not read.
  const [content, setContent] = useState<LoadedContent | { error: string; refused: boolean }>();

  useEffect(() => {
    const abort = new AbortController();
    let ref;
    try {
      ref = parseEntryRef(entryRef);
    } catch (error) {
      setChain({ error: messageOf(error) });
      return;
    }
    performance.mark("til:entry:start");
    const loadContent = (entryCid: string) => {
      setCid(entryCid);
      readVerified(entryCid, "index.md", abort.signal).then(
        ({ bytes, servedBy, failures }) => {
          performance.mark("til:entry:read");
          if (!abort.signal.aborted) setContent({ note: parseNote(textOf(bytes)), servedBy, failures });
        },
        (error) => !abort.signal.aborted && setContent({ error: messageOf(error), refused: (error as Error).name === "EntryLimitError" }),
      );
    };
    // A CID is enough to start reading; the chain facts come in parallel.
    if (ref.kind === "cid") loadContent(ref.cid);
    resolveEntry(ref).then(
      (resolved) => {
        if (abort.signal.aborted) return;
        setChain(resolved);
        if (ref.kind !== "cid") loadContent(resolved.cid);
      },
      (error) => !abort.signal.aborted && setChain({ error: `Could not read the token from the registry: ${messageOf(error)}` }),
    );
    return () => abort.abort();
  }, [entryRef]);

  const resolveImage = useCallback(
    async (path: string) => {
      if (!cid) return undefined;
      const { bytes } = await readVerified(cid, decodeURIComponent(path));
      const type = MIME[path.split(".").pop()!.toLowerCase()] ?? "application/octet-stream";
      // SVG as a data: URL: a blob: URL would be same-origin and could run script if opened in a tab.
      if (type === "image/svg+xml") return svgDataUrl(bytes);
      return URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
    },
    [cid],
  );

  // a local gateway opens the entry on its own origin (<cid>.ipfs.localhost), never beside the app or another entry
  const gatewayBase = cid ? isolatedGatewayUrl(settings.publicGateway, cid) : undefined;

  return (
    <article className="entry" aria-busy={!content}>
      <p className="small">
        <a href="#/">← All entries</a>
      </p>
      {content && "note" in content ? (
        <>
          <header>
            <h1 data-testid="entry-title">{content.note.title}</h1>
            <p className="muted">
              {content.note.date && <time dateTime={content.note.date}>{content.note.date}</time>}
              {content.note.tags.map((tag) => (
                <a key={tag} className="tag" href={feedHref({ tag })}>
                  #{tag}
                </a>
              ))}
            </p>
          </header>
          <EntryBody note={content.note} resolveImage={resolveImage} linkBase={gatewayBase} />
          <p className="verified small" data-testid="verified">
            ✓ Verified: every byte matched the CID. Served by {content.servedBy.length > 0 ? content.servedBy.join(", ") : "the in-app cache (verified before)"}.
          </p>
          {content.failures.length > 0 && (
            <details className="small" data-testid="gateway-failures" open>
              <summary>{content.failures.length} gateway attempt(s) failed and were skipped</summary>
              <ul>
                {content.failures.map((f, i) => (
                  <li key={i}>
                    {f.gateway}: {f.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      ) : content ? (
        <p role="alert" className="error" data-testid="entry-error">
          {content.refused ? "This entry is refused: " : "Could not read this entry: "}
          {content.error}
        </p>
      ) : (
        <p className="muted" aria-live="polite">Fetching and verifying the entry…</p>
      )}
      <TokenFacts cid={cid} chain={chain} gatewayBase={gatewayBase} />
    </article>
  );
}

function TokenFacts({ cid, chain, gatewayBase }: { cid?: string; chain?: ResolvedEntry | { error: string }; gatewayBase?: string }) {
  return (
    <aside className="facts" aria-label="Token facts">
      <h2>On-chain record</h2>
      {!chain && <p className="muted">Reading the registry…</p>}
      {chain && "error" in chain && <p className="error">{chain.error}</p>}
      {chain && "tokens" in chain && chain.tokens.length === 0 && <p className="warning">This CID has not been published on this registry.</p>}
      {chain &&
        "tokens" in chain &&
        chain.tokens.map((t) => (
          <dl key={String(t.tokenId)} data-testid="token-facts">
            <dt>Token</dt>
            <dd>
              <code title={String(t.tokenId)}>{`0x${t.tokenId.toString(16)}`.slice(0, 18)}…</code> (#{String(t.sequence)})
            </dd>
            <dt>Author</dt>
            <dd>
              <a href={feedHref({ author: t.author })}>
                <code>{t.author}</code>
              </a>
            </dd>
            <dt>Owner</dt>
            <dd>
              <code>{t.owner}</code>
            </dd>
            <dt>Published</dt>
            <dd>
              <time dateTime={new Date(t.publishedAt * 1000).toISOString()}>{new Date(t.publishedAt * 1000).toLocaleString()}</time>
            </dd>
            <dt>tokenURI</dt>
            <dd>
              <code className="wrap">{t.tokenURI}</code>
            </dd>
          </dl>
        ))}
      {cid && (
        <dl>
          <dt>CID</dt>
          <dd>
            <code className="wrap" data-testid="entry-cid">{cid}</code>
          </dd>
          <dt>Open on a gateway</dt>
          <dd>
            <a href={gatewayBase} target="_blank" rel="noopener noreferrer">
              {settings.publicGateway.replace(/^https?:\/\//, "")}
            </a>{" "}
            ·{" "}
            <a href={`${gatewayBase}metadata.json`} target="_blank" rel="noopener noreferrer">
              metadata.json
            </a>{" "}
            ·{" "}
            <a href={`https://${cid}.ipfs.dweb.link/`} target="_blank" rel="noopener noreferrer">
              dweb.link
            </a>
          </dd>
        </dl>
      )}
    </aside>
  );
}
