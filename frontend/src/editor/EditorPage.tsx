/**
 * Write and mint: title, date, tags and markdown with a live preview (the entry page's renderer),
 * images by drag-and-drop or paste, the draft saved as you type; publishing shows each step and
 * explains every failure, leaving the draft as it was. With a token id (`#/edit/<token id>`), the
 * editor opens that entry's latest version (read verified, its images too) and publishes a
 * revision of it (contract `revise`), keeping the note's identity; only its author can.
 */
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from "react";
import { normalizeNote, type Note } from "#core/entry/note.ts";
import { svgDataUrl } from "#core/entry/image-check.ts";
import { EntryBody } from "../entry/EntryBody.tsx";
import { entryHref } from "../router.ts";
import { entriesIndex } from "../feed/entries-index.ts";
import {
  clearDraftImages,
  clearDraftText,
  deleteDraftImage,
  emptyDraft,
  imagePathFor,
  loadDraftImages,
  loadDraftText,
  revisionDraftKey,
  saveDraftImage,
  saveDraftText,
  splitTags,
  type DraftImage,
  type DraftText,
} from "./draft.ts";
import { PUBLISH_STEPS, PublishError, publishDraft, type PublishProgress, type PublishStep, type RevisionTarget } from "./publish.ts";
import { messageOf } from "../errors.ts";
import { loadRevisionBase, type RevisionBase } from "./revision-base.ts";
import { RemotePins } from "./RemotePins.tsx";

export function EditorPage({ tokenId }: { tokenId?: string }) {
  const [draft, setDraft] = useState<DraftText>(() => (tokenId ? emptyDraft() : loadDraftText()));
  const [images, setImages] = useState<DraftImage[]>([]);
  const [progress, setProgress] = useState<PublishProgress>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const textarea = useRef<HTMLTextAreaElement>(null);
  // Editing a published entry: what it is, once read (or why it can't be).
  const [base, setBase] = useState<RevisionBase | { error: string }>();
  const draftKey = base && "target" in base ? revisionDraftKey(String(base.target.tokenId), base.target.cid) : undefined;

  useEffect(() => {
    if (!tokenId) {
      loadDraftImages().then(setImages, () => undefined);
      return;
    }
    let live = true;
    loadRevisionBase(tokenId).then(
      (loaded) => {
        if (!live) return;
        setBase(loaded);
        const saved = localStorage.getItem(revisionDraftKey(String(loaded.target.tokenId), loaded.target.cid));
        setDraft(saved ? loadDraftText(localStorage, revisionDraftKey(String(loaded.target.tokenId), loaded.target.cid)) : loaded.draft);
        setImages(loaded.images);
      },
      (e) => live && setBase({ error: messageOf(e) }),
    );
    return () => {
      live = false;
    };
  }, [tokenId]);

  const update = (patch: Partial<DraftText>) => {
    setDraft((old) => {
      const next = { ...old, ...patch };
      if (!tokenId) saveDraftText(next);
      else if (draftKey) saveDraftText(next, localStorage, draftKey);
      return next;
    });
  };

  const addFiles = async (files: File[]) => {
    const taken = new Set(images.map((i) => i.path));
    const added: DraftImage[] = [];
    for (const file of files.filter((f) => f.type.startsWith("image/"))) {
      const path = imagePathFor(file.name || `pasted.${file.type.split("/")[1] ?? "png"}`, taken);
      taken.add(path);
      const image = { path, type: file.type, bytes: new Uint8Array(await file.arrayBuffer()) };
      added.push(image);
      if (!tokenId) await saveDraftImage(image).catch(() => undefined);
    }
    if (added.length === 0) return;
    setImages((old) => [...old, ...added]);
    const el = textarea.current;
    const at = el?.selectionStart ?? draft.body.length;
    const snippet = added.map((i) => `![${i.path.slice(7).replace(/\.[^.]+$/, "")}](${i.path})`).join("\n");
    update({ body: `${draft.body.slice(0, at)}${snippet}\n${draft.body.slice(at)}` });
  };

  const removeImage = (path: string) => {
    setImages((old) => old.filter((i) => i.path !== path));
    if (!tokenId) void deleteDraftImage(path).catch(() => undefined);
  };

  // The preview lags behind typing when needed, never the textarea.
  const deferred = useDeferredValue(draft);
  const previewNote = useMemo<Note | { error: string }>(() => {
    try {
      return normalizeNote({ title: deferred.title, date: deferred.date || undefined, tags: splitTags(deferred.tags), body: deferred.body });
    } catch (e) {
      return { error: messageOf(e) };
    }
  }, [deferred]);

  const imageUrls = useMemo(
    () =>
      new Map(
        images.map((i) => [
          i.path,
          URL.createObjectURL(new Blob([i.bytes as BlobPart], { type: i.type === "image/svg+xml" ? "application/octet-stream" : i.type })),
        ]),
      ),
    [images],
  );
  useEffect(
    () => () => {
      for (const url of imageUrls.values()) URL.revokeObjectURL(url);
    },
    [imageUrls],
  );
  const resolveImage = useCallback(
    async (path: string) => {
      const image = images.find((i) => i.path === decodeURIComponent(path));
      if (!image) return undefined;
      if (image.type === "image/svg+xml") return svgDataUrl(image.bytes);
      return imageUrls.get(image.path);
    },
    [images, imageUrls],
  );

  const publish = async () => {
    setError(undefined);
    setProgress(undefined);
    setBusy(true);
    try {
      const note = { title: draft.title, date: draft.date || undefined, tags: splitTags(draft.tags), body: draft.body, ...(draft.id ? { id: draft.id } : {}) };
      const target: RevisionTarget | undefined = base && "target" in base ? base.target : undefined;
      if (tokenId && !target) throw new Error("The entry to revise is not read yet.");
      const result = await publishDraft(note, new Map(images.map((i) => [i.path, i.bytes])), setProgress, target);
      if (target) {
        if (draftKey) clearDraftText(localStorage, draftKey);
      } else {
        clearDraftText();
        await clearDraftImages().catch(() => undefined);
        setDraft(emptyDraft());
        setImages([]);
      }
      void entriesIndex.refresh();
      setProgress({ step: "done", cid: result.cid, tokenId: result.tokenId, txHash: result.txHash });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const stepIndex = progress ? PUBLISH_STEPS.findIndex((s) => s.step === progress.step) : -1;
  const failed = error !== undefined;

  if (tokenId && !base) return <p className="muted loading">Reading the entry to edit…</p>;
  if (base && "error" in base)
    return (
      <div className="problem notice" role="alert" data-testid="edit-error">
        <h1>This entry can't be edited here</h1>
        <p className="wrap">{base.error}</p>
        <p>
          <a href={entryHref(tokenId!)}>Back to the entry</a>
        </p>
      </div>
    );
  const revising = base && "target" in base ? base : undefined;

  return (
    <section className="editor" aria-labelledby="editor-title">
      <h1 id="editor-title">{revising ? "Edit an entry" : "Write an entry"}</h1>
      {revising && (
        <p className="muted small" data-testid="editing">
          Publishing makes a new version of <a href={entryHref(String(revising.target.tokenId))}>this entry</a>; every earlier version stays readable. The note
          keeps its identity <code className="wrap">{draft.id}</code>.
        </p>
      )}
      <div className="editor-grid">
        <form
          className="editor-form"
          onSubmit={(e) => {
            e.preventDefault();
            void publish();
          }}
        >
          <label>
            Title
            <input value={draft.title} onChange={(e) => update({ title: e.target.value })} required placeholder="What did you learn?" data-testid="title" />
          </label>
          <div className="row">
            <label>
              Date
              <input type="date" value={draft.date} onChange={(e) => update({ date: e.target.value })} data-testid="date" />
            </label>
            <label>
              Tags <span className="muted small">(comma-separated)</span>
              <input value={draft.tags} onChange={(e) => update({ tags: e.target.value })} placeholder="rust, databases" data-testid="tags" />
            </label>
          </div>
          <label>
            Markdown <span className="muted small">(drop or paste images here)</span>
            <textarea
              ref={textarea}
              value={draft.body}
              rows={16}
              onChange={(e) => update({ body: e.target.value })}
              onDrop={(e) => {
                if (e.dataTransfer.files.length === 0) return;
                e.preventDefault();
                void addFiles(Array.from(e.dataTransfer.files));
              }}
              onDragOver={(e) => e.dataTransfer.types.includes("Files") && e.preventDefault()}
              onPaste={(e) => {
                const files = Array.from(e.clipboardData.files);
                if (files.length === 0) return;
                e.preventDefault();
                void addFiles(files);
              }}
              data-testid="body"
            />
          </label>
          <label className="file-pick">
            Add images…
            <input type="file" accept="image/*" multiple onChange={(e) => void addFiles(Array.from(e.target.files ?? []))} />
          </label>
          {images.length > 0 && (
            <ul className="draft-images small">
              {images.map((i) => (
                <li key={i.path}>
                  <code>{i.path}</code> ({Math.ceil(i.bytes.length / 1024)} KiB){" "}
                  <button type="button" onClick={() => removeImage(i.path)} aria-label={`Remove ${i.path}`}>
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          )}
          <p className="muted small" data-testid="draft-saved">
            Draft saved in this browser as you type.
          </p>
          <button type="submit" className="primary" disabled={busy} data-testid="publish">
            {busy ? "Publishing…" : revising ? "Publish revision" : "Publish and mint"}
          </button>
          {progress && (
            <ol className="steps" aria-live="polite" data-testid="publish-steps">
              {PUBLISH_STEPS.map((s, i) => (
                <li
                  key={s.step}
                  data-state={
                    i < stepIndex || (s.step === "done" && progress.step === "done") ? "done" : i === stepIndex ? (failed ? "failed" : "active") : "todo"
                  }
                >
                  {s.label}
                  {stepDetail(s.step, progress)}
                </li>
              ))}
            </ol>
          )}
          {progress?.step === "done" && progress.cid && (
            <p className="success" role="status" data-testid="publish-done">
              {revising ? "Revision published!" : "Published!"}{" "}
              <a href={entryHref(revising && progress.tokenId !== undefined ? String(progress.tokenId) : progress.cid)} data-testid="open-entry">
                Open the entry
              </a>
            </p>
          )}
          {progress?.step === "done" && progress.cid && <RemotePins cid={progress.cid} />}
          {failed && <PublishFailure error={error} />}
        </form>
        <section className="preview" aria-labelledby="preview-heading">
          <h2 id="preview-heading" className="muted small">
            Preview
          </h2>
          {"error" in previewNote ? (
            <p className="error">{previewNote.error}</p>
          ) : (
            <article className="entry" data-testid="preview">
              <h1>{previewNote.title || <span className="muted">Untitled</span>}</h1>
              <p className="muted">
                {previewNote.date && <time dateTime={previewNote.date}>{previewNote.date}</time>}
                {previewNote.tags.map((t) => (
                  <span key={t} className="tag">
                    #{t}
                  </span>
                ))}
              </p>
              <EntryBody note={previewNote} resolveImage={resolveImage} />
            </article>
          )}
        </section>
      </div>
    </section>
  );
}

function stepDetail(step: PublishStep, p: PublishProgress) {
  if (step === "pack" && p.cid)
    return (
      <code className="wrap small" data-testid="publish-cid">
        {" "}
        {p.cid}
      </code>
    );
  if (step === "mine" && p.txHash) return <code className="wrap small"> {p.txHash}</code>;
  if (step === "check" && p.warnings?.length) return <span className="warning small"> {p.warnings.join(" ")}</span>;
  return null;
}

function PublishFailure({ error }: { error: unknown }) {
  const known = error instanceof PublishError ? error : undefined;
  return (
    <div role="alert" className="error" data-testid="publish-error" data-kind={known?.kind ?? "unknown"}>
      <p>{known ? known.message : `Publishing failed: ${messageOf(error)}`}</p>
      {known?.kind === "already-published" && known.extra.cid && (
        <p>
          <a href={entryHref(known.extra.tokenId !== undefined ? String(known.extra.tokenId) : known.extra.cid)} data-testid="existing-entry">
            Open your existing entry
          </a>
        </p>
      )}
      <p className="small">Your draft is unchanged.</p>
    </div>
  );
}
