/** The CLI's exit codes (every command), and the one rule that turns gates into one. */
import type { AuditReport } from '../protocol/report';

export const EXIT = {
  /** Done, and every gate passed. */
  OK: 0,
  /** A quality gate failed. */
  GATE_FAILED: 1,
  /**
   * Usage, configuration, a path that cannot be written (E_WRITE_FAILED), an audit folder in use
   * (E_LOCKED), or an internal error: the message says what, where and how to fix it, in one
   * line; a stack trace only for a bug, or with --debug / MEMAUDIT_DEBUG=1. Also a cancelled
   * command (E_CANCELLED: Ctrl-C or SIGTERM once; a second one quits at once with 130 / 143, bin.ts).
   */
  ERROR: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** OK when every gate of the report passed (or there are none), else GATE_FAILED. */
export function gatesExit(report: Pick<AuditReport, 'gates'>): ExitCode {
  return report.gates.every((g) => g.passed) ? EXIT.OK : EXIT.GATE_FAILED;
}
