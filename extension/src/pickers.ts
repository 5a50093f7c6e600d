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

/**
 * The task (config field `labels`) is chosen from the preset picker: its last item opens the task
 * picker, then the preset picker again, so the usual two steps stay two.
 */
export const TASK_PICK = pickOptions({ title: 'Audit memorization: task', placeHolder: 'What the model predicts (the study’s “Top-10” datasets: top:10)' });

/** The input box of "top:K…", K validated as the engine does (`dataset/labels.ts`). */
export const TASK_K_PICK = pickOptions({ title: 'Audit memorization: top-K task', placeHolder: 'K, e.g. 10' });

/** The preset picker's item that opens the task picker, showing the task in force. */
export function taskChangeItem(labels: string): { label: string; description: string; task: true } {
  return { label: `$(symbol-enum) Task: ${labels}`, description: 'change what the model predicts (full method names, or the K most frequent names)…', task: true };
}

/** The task picker's items; `labels: undefined` asks for K. */
export function taskItems(current: string): { label: string; description: string; labels: string | undefined; picked: boolean }[] {
  const items = [
    { label: 'full', description: 'full method naming: every training name is a class', labels: 'full' as string | undefined },
    { label: 'top:10', description: 'methods whose name is among the 10 most frequent training names (Rabin et al.’s Top-10)', labels: 'top:10' as string | undefined },
    { label: 'top:K…', description: 'the K most frequent training names, K classes', labels: undefined },
  ];
  return items.map((i) => ({ ...i, picked: i.labels === current }));
}

/** An error for the K input box, or undefined when it reads as an integer from 1 to 100 000. */
export function taskKError(text: string): string | undefined {
  const k = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(k) && k >= 1 && k <= 100_000 ? undefined : 'K is an integer from 1 to 100000';
}

/**
 * The models (config field `model`) are chosen from the preset picker too, like the task: several
 * checked are audited side by side, none checked leaves the choice to the settings and the preset.
 */
export const MODELS_PICK = { ...pickOptions({ title: 'Audit memorization: models', placeHolder: 'Check one model, or several to compare them side by side (none: the settings’ or the preset’s)' }), canPickMany: true as const };

/** The preset picker's item that opens the models picker, showing the models the settings or the picker chose (undefined: neither). */
export function modelsChangeItem(models: readonly string[] | undefined): { label: string; description: string; models: true } {
  const shown = models && models.length > 0 ? models.join(', ') : 'the config file’s or the preset’s';
  return { label: `$(layers) Models: ${shown}`, description: 'train one model, or several side by side (each trains the whole grid)…', models: true };
}

/** The models picker's items, the current ones checked. */
export function modelItems(names: readonly string[], current: readonly string[] | undefined): { label: string; description: string; model: string; picked: boolean }[] {
  const about: Record<string, string> = { bag: 'bag of subtokens: fast baseline', code2vec: 'attention over AST path-contexts', transformer: 'subtoken transformer' };
  return names.map((model) => ({ label: model, description: about[model] ?? '', model, picked: current?.includes(model) ?? false }));
}

export const DELETE_RUN_PICK = pickOptions({ title: 'Delete an audit run' });

/** Said (status bar and output) when a picker of "Audit memorization" was closed without a choice. */
export function notStarted(step: 'scope' | 'preset'): string {
  return `Memaudit: the audit was not started (no ${step === 'scope' ? 'folder or file' : 'preset'} chosen)`;
}
