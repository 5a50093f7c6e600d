/**
 * The engine process's exit codes (`node main.js --stdio`), documented in the README with the
 * CLI's. A closed connection is not a crash: the running audit is cancelled as on `audit/cancel`
 * (its finished runs are kept, and the same audit resumes from them) and the process ends on its
 * own, without an error report.
 */
export const ENGINE_EXIT = {
  /** `shutdown` then `exit`: the client stopped the engine as the protocol says. */
  OK: 0,
  /** The client went away without `shutdown` (its input closed, `exit` alone, SIGTERM or SIGINT). */
  CLIENT_GONE: 1,
  /** Started without `--stdio`. */
  USAGE: 2,
  /** An error nobody caught (a bug); it is reported on stderr and as a `log` notification first. */
  CRASHED: 3,
} as const;
