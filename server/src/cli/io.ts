/**
 * The CLI's view of the outside world, injectable so tests can run commands in-process and read
 * what they printed.
 */
import { inert } from '../report/shared/terminal';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bar) or not (plain progress lines). */
  stderrIsTty: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  /**
   * Writes the progress bar's own control sequences (`\r`, erase line) to stderr as they are.
   * Set by `inertIo`, whose `stderr` shows control characters escaped; without it the progress
   * bar writes them with `stderr`.
   */
  control?: (sequence: string) => void;
}

/**
 * The same io with everything written to stdout and stderr made inert (report/shared/terminal.ts): paths,
 * names and messages from the corpus cannot drive the terminal. `runCli` wraps every command's
 * io with it; `control` keeps the unfiltered stderr for the progress bar.
 */
export function inertIo(io: CliIo): CliIo {
  return {
    ...io,
    stdout: (t) => io.stdout(inert(t)),
    stderr: (t) => io.stderr(inert(t)),
    control: io.control ?? io.stderr,
  };
}

export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stderrIsTty: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
    env: process.env,
    ...(signal ? { signal } : {}),
  };
}
