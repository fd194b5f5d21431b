/**
 * One entry at a shareable URL (`#/entry/<cid>` or `#/entry/<token id>`): the note, read through
 * the gateways and verified against its CID, rendered safely; beside it the token's facts, its
 * versions with a diff between any two, and, for its author, "Edit" (a revision).
 *
 * Which token is *the* entry: the one whose on-chain author is the author the content names
 * (entry format v2); any other token of the same CID is shown as a copy by its author. An entry of
 * format v1 names no author: its earliest token stands for it.
 */
import { useCallback, useEffect, useState } from "react";
import { useConnection } from "wagmi";
import { parseNote, type Note } from "#core/entry/note.ts";
import { digestToCid } from "#core/cid.ts";
import { pickEntryToken } from "#core/contract/token-id.ts";
import { renderMarkdown } from "#core/entry/render.ts";
import { checkImage, svgDataUrl } from "#core/entry/image-check.ts";
import { isolatedGatewayUrl } from "#core/gateway-url.ts";
import { readVerified, textOf } from "../ipfs/reader.ts";
import type { GatewayFailure } from "#core/retrieve/verified-blockstore.ts";
import { parseEntryRef, resolveEntry, type ResolvedEntry } from "./resolve.ts";
import { EntryBody } from "./EntryBody.tsx";
import { settings } from "../settings/settings.ts";
import { appChain } from "../wagmi.ts";
import { authorHref, editHref } from "../router.ts";
import type { EntryFacts } from "../chain/registry.ts";
import { VersionHistory } from "./VersionHistory.tsx";
import { messageOf, revertOf } from "../errors.ts";
import { registryHealth } from "../chain/registry-health.ts";
import { AuthorLink } from "../ui/Identicon.tsx";
import { ErrorBox, Problem, TryAgainButton } from "../ui/Problem.tsx";
import { TagLinks } from "../ui/TagLinks.tsx";
import { RegistryProblem } from "../ui/RegistryProblem.tsx";
import type { RegistryHealth } from "../chain/registry-health.ts";

/**
 * Loads what opening an entry needs (reader, renderer, highlighter) ahead of the first click.
 * @public App.tsx calls it on the lazily imported module.
 */
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

/**
 * Why the registry gave no token: `bad-ref` (the URL names no entry), `not-found` (no such token
 * or number here), `registry` (no contract at the address, or the chain does not answer), `other`.
 */
type ChainProblem = { error: string; kind: "bad-ref" | "not-found" | "registry" | "other"; health?: RegistryHealth };

/** Sorts a failed registry read into a {@link ChainProblem}, asking the chain whether the registry is there. */
async function chainProblemOf(error: unknown): Promise<ChainProblem> {
  const health = await registryHealth();
  if (health.status !== "ok") return { error: messageOf(error), kind: "registry", health };
  if ((error as Error).name === "EntryNotFoundError" || revertOf(error)) return { error: messageOf(error), kind: "not-found" };
  return { error: `Could not read the token from the registry: ${messageOf(error)}`, kind: "other" };
}

export function EntryPage({ entryRef }: { entryRef: string }) {
  const [cid, setCid] = useState<string>();
  const [chain, setChain] = useState<ResolvedEntry | ChainProblem>();
  // `refused`: the entry is over the read limits (core/entry/limits.ts) and was not read.
  const [content, setContent] = useState<LoadedContent | { error: string; refused: boolean }>();

  useEffect(() => {
    const abort = new AbortController();
    let ref: ReturnType<typeof parseEntryRef>;
    try {
      ref = parseEntryRef(entryRef);
    } catch (error) {
      setChain({ error: messageOf(error), kind: "bad-ref" });
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
      (error) => void chainProblemOf(error).then((problem) => !abort.signal.aborted && setChain(problem)),
    );
    return () => abort.abort();
  }, [entryRef]);

  const resolveImage = useCallback(
    async (path: string) => {
      if (!cid) return undefined;
      const { bytes } = await readVerified(cid, decodeURIComponent(path));
      // Typed by its bytes, as packing types images (an entry not packed here may hold anything under an image's name).
      const image = checkImage(bytes);
      // SVG as a data: URL, inert in an <img> even when packing would refuse it (a script, an outside reference):
      // a blob: URL would be same-origin and could run script if opened in a tab.
      if (image.ok ? image.type === "svg" : image.code === "unsafe-svg") return svgDataUrl(bytes);
      if (!image.ok) throw new Error(`not shown: ${image.reason}`);
      return URL.createObjectURL(new Blob([bytes as BlobPart], { type: image.mime }));
    },
    [cid],
  );

  // a local gateway opens the entry on its own origin (<cid>.ipfs.localhost), never beside the app or another entry
  const gatewayBase = cid ? isolatedGatewayUrl(settings.publicGateway, cid) : undefined;

  const tokens = chain && "tokens" in chain ? chain.tokens : [];
  // *The* entry: the token whose author the content names; the others are copies (core/contract/token-id.ts).
  const main = pickEntryToken(tokens, content && "note" in content ? content.note.author : undefined).entry;
  const author = main?.author;
  const connection = useConnection();
  const canEdit = main !== undefined && connection.address !== undefined && connection.address.toLowerCase() === main.author.toLowerCase();
  // Without a CID from the URL, nothing can be read once the registry has no token to give.
  const chainProblem = chain && "error" in chain ? chain : undefined;
  const blocked = !content && chainProblem !== undefined && !cid;

  return (
    <article className="entry" aria-busy={!content && !blocked}>
      <p className="back small">
        <a href="#/">← All entries</a>
      </p>
      {content && "note" in content ? (
        <>
          <header className="entry-header">
            <EntryTitle title={content.note.title} />
            <p className="entry-meta">
              {author && <AuthorLink address={author} size={22} />}
              {content.note.date && <time dateTime={content.note.date}>{content.note.date}</time>}
              <TagLinks tags={content.note.tags} className="entry-tags" />
            </p>
          </header>
          {main && main.revisionCount > 0 && cid !== undefined && cid !== digestToCid(main.digest) && (
            <p className="notice small" data-testid="older-version">
              This is an earlier version. <a href={`#/entry/${String(main.tokenId)}`}>Read the latest</a>.
            </p>
          )}
          {canEdit && (
            <p className="edit-entry">
              <a className="button" href={editHref(main.tokenId)} data-testid="edit-entry">
                Edit
              </a>{" "}
              <span className="muted small">Publishes a new version; this one stays readable.</span>
            </p>
          )}
          <EntryBody note={content.note} resolveImage={resolveImage} linkBase={gatewayBase} />
          <p className="verified small" data-testid="verified">
            ✓ Verified: every byte matched the CID. Served by {content.servedBy.length > 0 ? content.servedBy.join(", ") : "the in-app cache (verified before)"}
            .
          </p>
          {content.failures.length > 0 && (
            <details className="small" data-testid="gateway-failures" open>
              <summary>{content.failures.length} gateway attempt(s) failed and were skipped</summary>
              <ul>
                {failureLines(content.failures).map(([line, blocks]) => (
                  <li key={line}>
                    {line}
                    {blocks > 1 && ` (${blocks} blocks)`}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      ) : content ? (
        <Problem
          title={content.refused ? "This entry is refused" : "The content is unavailable"}
          testId="entry-problem"
          actions={
            <>
              {!content.refused && <TryAgainButton />} <a href="#/settings">Gateways in Settings</a> <a href="#/">All entries</a>
            </>
          }
        >
          <p data-testid="entry-error" className="wrap">
            {content.refused ? "This entry is refused: " : "Could not read this entry: "}
            {content.error}
          </p>
          <p className="muted small">
            {content.refused
              ? "It is over the limits every reader keeps to (it would take too much memory or time); nothing of it was shown."
              : `Every gateway (${settings.gateways.join(", ")}) was asked; none served bytes matching the CID. The entry may be on no node these gateways reach right now: try again later, or add a gateway that has it.`}
          </p>
        </Problem>
      ) : blocked ? (
        <ChainProblemView problem={chainProblem} entryRef={entryRef} />
      ) : (
        <p className="muted loading" aria-live="polite">
          Fetching and verifying the entry…
        </p>
      )}
      {main && <VersionHistory key={String(main.tokenId)} facts={main} shownCid={cid} />}
      {!blocked && (
        <TokenFacts
          cid={cid}
          chain={chain}
          main={main}
          namedAuthor={content && "note" in content ? content.note.author : undefined}
          gatewayBase={gatewayBase}
        />
      )}
    </article>
  );
}

/** Titles longer than this are shown cut to a few lines, with a button for the rest. */
/** The failed attempts as lines "gateway: reason", each once, with how many blocks it stands for (one gateway can fail many). */
function failureLines(failures: readonly GatewayFailure[]): [line: string, blocks: number][] {
  const lines = new Map<string, number>();
  for (const f of failures) {
    const line = `${f.gateway}: ${f.reason}`;
    lines.set(line, (lines.get(line) ?? 0) + 1);
  }
  return [...lines];
}

const LONG_TITLE = 240;

function EntryTitle({ title }: { title: string }) {
  const [whole, setWhole] = useState(false);
  const long = title.length > LONG_TITLE;
  return (
    <>
      <h1 data-testid="entry-title" dir="auto" className={long && !whole ? "clamped" : undefined}>
        {title}
      </h1>
      {long && (
        <button type="button" className="quiet small title-toggle" aria-expanded={whole} onClick={() => setWhole(!whole)}>
          {whole ? "Show less of the title" : `Show the whole title (${title.length.toLocaleString("en")} characters)`}
        </button>
      )}
    </>
  );
}

function ChainProblemView({ problem, entryRef }: { problem: ChainProblem; entryRef: string }) {
  if (problem.kind === "registry") return <RegistryProblem health={problem.health} />;
  const actions = (
    <>
      <a href="#/">Browse every entry</a> <a href="#/settings">Check the registry in Settings</a>
    </>
  );
  if (problem.kind === "bad-ref") {
    return (
      <Problem title="That is not an entry address" testId="entry-not-found" actions={actions}>
        <p className="wrap">
          “<bdi>{entryRef}</bdi>” is neither a CID (bafy…), a token id nor an entry number. {problem.error}
        </p>
      </Problem>
    );
  }
  if (problem.kind === "not-found") {
    return (
      <Problem title="No such entry here" testId="entry-not-found" actions={actions}>
        <p className="wrap">
          The registry <code>{settings.contractAddress}</code> on chain {appChain.id} has no entry “<bdi>{entryRef}</bdi>”. The link may be mistyped, or meant
          for another chain or registry.
        </p>
      </Problem>
    );
  }
  return <ErrorBox title="Could not read the registry" error={problem.error} testId="entry-chain-error" />;
}

function TokenFacts({
  cid,
  chain,
  main,
  namedAuthor,
  gatewayBase,
}: {
  cid?: string;
  chain?: ResolvedEntry | ChainProblem;
  main?: EntryFacts;
  namedAuthor?: string;
  gatewayBase?: string;
}) {
  return (
    <aside className="facts" aria-label="Token facts">
      <h2>On-chain record</h2>
      {!chain && <p className="muted">Reading the registry…</p>}
      {chain && "error" in chain && (
        <p className="error wrap">
          {chain.kind === "registry" && chain.health?.status === "no-contract"
            ? `No registry at ${settings.contractAddress} on chain ${appChain.id}.`
            : chain.error}
        </p>
      )}
      {chain && "tokens" in chain && chain.tokens.length === 0 && <p className="warning">This CID has not been published on this registry.</p>}
      {chain &&
        "tokens" in chain &&
        // The entry first, then the copies.
        [...(main ? [main] : []), ...chain.tokens.filter((t) => t !== main)].map((t) => (
          <dl key={String(t.tokenId)} data-testid="token-facts" data-copy={t !== main ? "true" : undefined}>
            {t !== main && (
              <>
                <dt className="copy-label" data-testid="copy-label">
                  Copy
                </dt>
                <dd>
                  copy by <code className="wrap">{t.author}</code>
                  {namedAuthor ? `: the content names ${namedAuthor} as its author.` : ": the same content, published after the first token."}
                </dd>
              </>
            )}
            <dt>Token</dt>
            <dd>
              {/* Registry v2 ids are the author's address then 96 bits of the first digest: shown whole. */}
              <code className="wrap" title={String(t.tokenId)} data-testid="token-id">
                {`0x${t.tokenId.toString(16).padStart(64, "0")}`}
              </code>{" "}
              (#{String(t.sequence)})
            </dd>
            <dt>Author</dt>
            <dd>
              <a href={authorHref(t.author)}>
                <code className="wrap">{t.author}</code>
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
            <code className="wrap" data-testid="entry-cid">
              {cid}
            </code>
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
