/**
 * The difference between two versions of a note, line by line (the `diff` library, jsdiff), as
 * rows for the entry page: unchanged runs longer than a few lines folded to their edges, and a
 * bound on the work (two strangers' notes of up to 1 MiB each can be made to cost a lot to diff).
 */
import { diffLines } from "diff";

type DiffRow =
  | { kind: "added" | "removed" | "same"; lines: string[] }
  /** Unchanged lines left out between two shown runs. */
  | { kind: "fold"; count: number };

export type VersionDiff = { rows: DiffRow[]; added: number; removed: number } | { tooLarge: true };

/** Lines of unchanged text kept on each side of a change. */
const CONTEXT = 3;
/** Most edits (lines added plus removed) diffed; more gives `tooLarge`. */
const MAX_EDIT_LENGTH = 4_000;

function splitLines(value: string): string[] {
  const lines = value.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * The line diff from `older` to `newer`.
 * @example diffVersions("a\nb\n", "a\nc\n") // rows: same [a], removed [b], added [c]
 */
export function diffVersions(older: string, newer: string): VersionDiff {
  const changes = diffLines(older, newer, { maxEditLength: MAX_EDIT_LENGTH });
  if (changes === undefined) return { tooLarge: true };
  const rows: DiffRow[] = [];
  let added = 0;
  let removed = 0;
  changes.forEach((change, index) => {
    const lines = splitLines(change.value);
    if (change.added) {
      added += lines.length;
      rows.push({ kind: "added", lines });
    } else if (change.removed) {
      removed += lines.length;
      rows.push({ kind: "removed", lines });
    } else {
      const first = index === 0;
      const last = index === changes.length - 1;
      const keepStart = first ? 0 : CONTEXT;
      const keepEnd = last ? 0 : CONTEXT;
      if (lines.length <= keepStart + keepEnd + 1) rows.push({ kind: "same", lines });
      else {
        if (keepStart > 0) rows.push({ kind: "same", lines: lines.slice(0, keepStart) });
        rows.push({ kind: "fold", count: lines.length - keepStart - keepEnd });
        if (keepEnd > 0) rows.push({ kind: "same", lines: lines.slice(lines.length - keepEnd) });
      }
    }
  });
  return { rows, added, removed };
}
