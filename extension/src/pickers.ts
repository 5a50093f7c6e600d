/**
 * The options of every picker the commands show (pure: no `vscode` import, so unit tests read
 * them). A quick pick closes when the focus moves elsewhere unless `ignoreFocusOut` is set: a
 * walkthrough page, a notification or another window taking the focus while "Audit memorization
 * (1/2)" is shown would end the command silently, the audit not started. Every picker therefore
 * stays open until the user picks or presses Escape, and a command a picker ends says so
 * (`notStarted`).
 */

/** The fields of `vscode.QuickPickOptions` (and of a folder pick) that the commands set. */
export interface PickOptions {
  title?: string;
  placeHolder?: string;
  matchOnDescription?: boolean;
  ignoreFocusOut: true;
}

/** Options of a picker: the given ones, kept open when the focus moves. */
export function pickOptions(o: Omit<PickOptions, 'ignoreFocusOut'>): PickOptions {
  return { ...o, ignoreFocusOut: true };
}

export const SCOPE_PICK = pickOptions({ title: 'Audit memorization (1/2): what to audit', placeHolder: 'Workspace folder, another folder or a JSONL file' });

export function presetPick(scopeName: string): PickOptions {
  return pickOptions({ title: `Audit memorization (2/2): ${scopeName}`, placeHolder: 'How thorough? (runs = noise kinds × levels × seeds)', matchOnDescription: true });
}

export const FOLDER_PICK = pickOptions({ placeHolder: 'Which folder’s audits?' });

export const DELETE_RUN_PICK = pickOptions({ title: 'Delete an audit run' });

/** Said (status bar and output) when a picker of "Audit memorization" was closed without a choice. */
export function notStarted(step: 'scope' | 'preset'): string {
  return `Memaudit: the audit was not started (no ${step === 'scope' ? 'folder or file' : 'preset'} chosen)`;
}
