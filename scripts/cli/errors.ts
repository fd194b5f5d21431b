/**
 * Exit codes of the `til` commands and the error that carries one. Each failure a user can fix
 * has its own code and a message saying what was wrong and what to do.
 */
export const EXIT_CODES = {
  ok: 0,
  /** Some entries failed; the others were published. The summary lists the failures. */
  entriesFailed: 1,
  usage: 2,
  ipfsUnreachable: 3,
  chainUnreachable: 4,
  wrongChain: 5,
  noContract: 6,
  insufficientFunds: 7,
  noteTooLarge: 8,
  notFound: 9,
  verificationFailed: 10,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export class CliError extends Error {
  static name = "CliError";
  readonly exitCode: ExitCode;
  constructor(exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
