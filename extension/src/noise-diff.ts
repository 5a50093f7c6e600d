/**
 * Read-only documents for the diff view of a noised method: the report panel registers the
 * original and the noised text of a finding (from the audit's noise-diffs.json) and opens
 * `vscode.diff` on the two URIs this provider serves. The URIs carry a counter and a file name
 * made of the method's name (letters, digits, `_` only) and the language's extension
 * (`noiseDiffFileName`), so the editor highlights the code; no path of the user's and no text of
 * the corpus goes into them.
 */
import * as vscode from 'vscode';

/** URI scheme of the documents. */
export const NOISE_DIFF_SCHEME = 'memaudit-noise';

/** Documents kept at most (the oldest are forgotten; a closed diff reopened from the panel is registered again). */
const MAX_DOCUMENTS = 200;

export class NoiseDiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private counter = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '';
  }

  /** Registers `text` under a new URI. */
  add(fileName: string, text: string): vscode.Uri {
    this.counter++;
    const p = `/${this.counter}/${fileName}`;
    this.texts.set(p, text);
    while (this.texts.size > MAX_DOCUMENTS) this.texts.delete(this.texts.keys().next().value!);
    return vscode.Uri.from({ scheme: NOISE_DIFF_SCHEME, path: p });
  }
}
