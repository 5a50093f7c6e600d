/**
 * The CLI's view of the outside world, injectable so tests can run commands in-process and read
 * what they printed.
 */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bar) or not (plain progress lines). */
  stderrIsTty: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
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
