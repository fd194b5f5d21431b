/**
 * An entry's versions on its page: each revision with its date, CID and what checking it found
 * (versions.ts), and the difference between any two of them (version-diff.ts), read verified.
 */
import { useEffect, useState } from "react";
import type { EntryFacts } from "../chain/registry.ts";
import { entryHref } from "../router.ts";
import { messageOf } from "../errors.ts";
import { checkVersion, readVersionMarkdown, readVersions, type EntryVersion, type VersionCheck } from "./versions.ts";
import type { VersionDiff } from "./version-diff.ts";

const when = (seconds?: number) => (seconds === undefined ? "—" : new Date(seconds * 1000).toLocaleString());

export function VersionHistory({ facts, shownCid }: { facts: EntryFacts; shownCid?: string }) {
  const [versions, setVersions] = useState<EntryVersion[] | { error: string }>();
  const [checks, setChecks] = useState<Map<number, VersionCheck>>(new Map());

  useEffect(() => {
    let live = true;
    readVersions(facts).then(
      (list) => {
        if (!live) return;
        setVersions(list);
        list.forEach((version, i) => {
          void checkVersion(version, facts.author, i > 0 ? list[i - 1] : undefined).then(
            (check) => live && setChecks((old) => new Map(old).set(version.revision, check)),
          );
        });
      },
      (error) => live && setVersions({ error: messageOf(error) }),
    );
    return () => {
      live = false;
    };
  }, [facts]);

  if (!versions) return <p className="muted small">Reading the versions…</p>;
  if ("error" in versions) return <p className="error small wrap">Could not read the versions: {versions.error}</p>;
  return (
    <section className="versions" aria-labelledby="versions-title" data-testid="versions">
      <h2 id="versions-title">
        {versions.length === 1 ? "One version" : `${versions.length} versions`}
        {facts.revisionCount + 1 > versions.length && (
          <span className="muted small">
            {" "}
            (the newest {versions.length} of {facts.revisionCount + 1})
          </span>
        )}
      </h2>
      <ol className="version-list" reversed>
        {[...versions].reverse().map((version) => (
          <li key={version.revision} data-testid="version" data-revision={version.revision}>
            <span className="version-name">{version.revision === 0 ? "First published" : `Revision ${version.revision}`}</span>{" "}
            <time className="muted small" dateTime={version.timestamp ? new Date(version.timestamp * 1000).toISOString() : undefined}>
              {when(version.timestamp)}
            </time>{" "}
            {version.revision === facts.revisionCount && <span className="badge">latest</span>}
            {version.cid === shownCid && <span className="badge">shown</span>}
            <br />
            <a href={entryHref(version.cid)} className="small">
              <code className="wrap">{version.cid}</code>
            </a>{" "}
            <CheckLabel check={checks.get(version.revision)} />
          </li>
        ))}
      </ol>
      {versions.length > 1 && <VersionCompare versions={versions} />}
    </section>
  );
}

function CheckLabel({ check }: { check?: VersionCheck }) {
  if (!check) return <span className="muted small">checking…</span>;
  if (check.status === "verified")
    return (
      <span className="ok small" data-testid="version-check" data-status="verified">
        ✓ verified
      </span>
    );
  if (check.status === "unlinked")
    return (
      <span
        className="muted small"
        data-testid="version-check"
        data-status="unlinked"
        title="Entry format v1 names neither its author nor the version before it"
      >
        ✓ content verified (format v1: no author or link to check)
      </span>
    );
  return (
    <span className="error small wrap" data-testid="version-check" data-status={check.status}>
      ✗ {check.status === "mismatch" ? "does not fit this history: " : "unreadable: "}
      {check.reason}
    </span>
  );
}

function VersionCompare({ versions }: { versions: EntryVersion[] }) {
  const last = versions.length - 1;
  const [from, setFrom] = useState(versions[last - 1].revision);
  const [to, setTo] = useState(versions[last].revision);
  const [diff, setDiff] = useState<VersionDiff | { error: string }>();

  useEffect(() => {
    const abort = new AbortController();
    setDiff(undefined);
    const cidOf = (revision: number) => versions.find((v) => v.revision === revision)!.cid;
    // The diff library loads with the first comparison, not with the entry page.
    Promise.all([readVersionMarkdown(cidOf(from), abort.signal), readVersionMarkdown(cidOf(to), abort.signal), import("./version-diff.ts")]).then(
      ([a, b, { diffVersions }]) => !abort.signal.aborted && setDiff(diffVersions(a, b)),
      (error) => !abort.signal.aborted && setDiff({ error: messageOf(error) }),
    );
    return () => abort.abort();
  }, [versions, from, to]);

  return (
    <div className="version-compare">
      <fieldset className="compare-pick">
        <legend>Compare</legend>
        <VersionSelect versions={versions} value={from} onChange={setFrom} testId="diff-from" label="Older version" /> with{" "}
        <VersionSelect versions={versions} value={to} onChange={setTo} testId="diff-to" label="Newer version" />
      </fieldset>
      {!diff && <p className="muted small">Reading both versions…</p>}
      {diff && "error" in diff && <p className="error small wrap">Could not read a version: {diff.error}</p>}
      {diff && !("error" in diff) && <DiffView diff={diff} />}
    </div>
  );
}

function VersionSelect(props: { versions: EntryVersion[]; value: number; onChange: (revision: number) => void; testId: string; label: string }) {
  return (
    <label>
      <select value={props.value} onChange={(e) => props.onChange(Number(e.target.value))} data-testid={props.testId} aria-label={props.label}>
        {props.versions.map((v) => (
          <option key={v.revision} value={v.revision}>
            {v.revision === 0 ? "first published" : `revision ${v.revision}`}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The rows of a diff: removed lines struck out, added lines marked, unchanged runs folded. */
export function DiffView({ diff }: { diff: VersionDiff }) {
  if ("tooLarge" in diff) return <p className="muted small">These versions differ too much to show line by line; open each one to read it.</p>;
  if (diff.added === 0 && diff.removed === 0) return <p className="muted small">These versions have the same text.</p>;
  return (
    <>
      <p className="small muted" data-testid="diff-summary">
        <span className="diff-added-count">+{diff.added}</span> <span className="diff-removed-count">−{diff.removed}</span> lines
      </p>
      <pre className="diff" data-testid="diff">
        {diff.rows.map((row, i) =>
          row.kind === "fold" ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: a diff's rows never move; their position is what they are.
            <span key={i} className="diff-fold">
              {`⋯ ${row.count} unchanged line${row.count === 1 ? "" : "s"}\n`}
            </span>
          ) : (
            row.lines.map((line, j) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a diff's rows never move; their position is what they are.
              <span key={`${i}-${j}`} className={`diff-${row.kind}`}>
                {row.kind === "added" ? <ins>{`+ ${line}\n`}</ins> : row.kind === "removed" ? <del>{`− ${line}\n`}</del> : `  ${line}\n`}
              </span>
            ))
          ),
        )}
      </pre>
    </>
  );
}
