/**
 * Progress of long work on stderr: a bar redrawn in place on a terminal, a plain line now and then
 * otherwise (logs, CI), so stdout keeps only results. Titles and messages may quote notes from a
 * cloned repository or a stranger's entry, so they are printed terminal-safe (../cli/terminal-text.ts).
 */
import { terminalLine, terminalText } from "./terminal-text.ts";

export interface ProgressState {
  done: number;
  total?: number;
  /** What is being worked on, e.g. a note's title (shown on one line, controls made visible). */
  current?: string;
  /** Gas of the transactions confirmed so far, the figure the summary totals. */
  gasUsed?: bigint;
}

export class ProgressBar {
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  readonly #interactive: boolean;
  #lastPlain = 0;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#stream = stream;
    this.#interactive = Boolean(stream.isTTY) && !process.env.CI;
  }

  update({ done, total, current, gasUsed }: ProgressState): void {
    const count = total ? `${done}/${total}` : `${done}`;
    const gas = gasUsed !== undefined ? `  gas ${gasUsed.toLocaleString("en-US")}` : "";
    if (this.#interactive) {
      const width = 24;
      const filled = total ? Math.min(width, Math.round((done / total) * width)) : 0;
      const bar = total ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ` : "";
      const title = current ? `  ${truncate(terminalLine(current), Math.max(10, (this.#stream.columns ?? 100) - 60))}` : "";
      this.#stream.write(`\r\x1b[K${this.#label} ${bar}${count}${gas}${title}`);
    } else if (Date.now() - this.#lastPlain > 2_000 || (total !== undefined && done === total)) {
      this.#lastPlain = Date.now();
      this.#stream.write(`${this.#label}: ${count}${gas}${current ? `  (${truncate(terminalLine(current), 60)})` : ""}\n`);
    }
  }

  /** Prints a message above the bar (newlines and tabs kept, other controls made visible). */
  log(message: string): void {
    const text = terminalText(message);
    this.#stream.write(this.#interactive ? `\r\x1b[K${text}\n` : `${text}\n`);
  }

  finish(): void {
    if (this.#interactive) this.#stream.write("\n");
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
