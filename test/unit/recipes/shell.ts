/**
 * Just enough of the POSIX shell to find the `memaudit` command lines in a CI script and give
 * their argument vectors: quotes, backslash line continuations, `$VAR`, `${VAR}` and `$((a - 1))`
 * expansion, comments, redirections, and `&&`, `||`, `;`, `|`, newlines between commands. A
 * variable that `vars` does not name is an error, so that a recipe cannot use one the test never
 * thought about.
 */

export type Vars = Readonly<Record<string, string>>;

/** The argument vectors after `memaudit` (run as `memaudit`, `npx memaudit` or a path ending in /memaudit). */
export function memauditCommands(script: string, vars: Vars): string[][] {
  const out: string[][] = [];
  for (const words of shellCommands(script, vars)) {
    const at = words.findIndex((w, i) => (w === 'memaudit' || w.endsWith('/memaudit')) && (i === 0 || (i === 1 && words[0] === 'npx')));
    if (at >= 0) out.push(words.slice(at + 1));
  }
  return out;
}

/** Replaces each `${{ expression }}` (GitHub Actions) by `exprs[expression]`; an unknown one throws. */
export function githubExpressions(text: string, exprs: Vars): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, e: string) => {
    if (!Object.hasOwn(exprs, e)) throw new Error(`no test value for the expression \${{ ${e} }}`);
    return exprs[e]!;
  });
}

/** The words of each simple command of `script`, after expansion, without redirections. */
export function shellCommands(script: string, vars: Vars): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  const endWord = (): void => {
    if (word !== null) words.push(word);
    word = null;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length) commands.push(dropRedirections(words));
    words = [];
  };
  for (let i = 0; i < script.length; ) {
    const c = script[i]!;
    if (c === '\\') {
      // A backslash before a newline joins the lines; before anything else it quotes it.
      if (script[i + 1] !== '\n') word = (word ?? '') + (script[i + 1] ?? '');
      i += 2;
    } else if (c === '\n' || c === ';' || c === '&' || c === '|') {
      endCommand();
      i += script[i + 1] === c && c !== '\n' ? 2 : 1;
    } else if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else if (c === '#' && word === null) {
      const nl = script.indexOf('\n', i);
      i = nl < 0 ? script.length : nl;
    } else if (c === '>' || c === '<') {
      endWord();
      const op = script[i + 1] === c ? c + c : c;
      words.push(op);
      i += op.length;
    } else if (c === "'") {
      const close = script.indexOf("'", i + 1);
      if (close < 0) throw new Error(`unclosed ' in: ${script}`);
      word = (word ?? '') + script.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      const [text, next] = doubleQuoted(script, i + 1, vars);
      word = (word ?? '') + text;
      i = next;
    } else if (c === '$') {
      const [text, next] = dollar(script, i, vars);
      word = (word ?? '') + text;
      i = next;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  endCommand();
  return commands;
}

function dropRedirections(words: string[]): string[] {
  return words.filter((w, i) => !['>', '>>', '<', '<<'].includes(w) && !['>', '>>', '<', '<<'].includes(words[i - 1] ?? ''));
}

/** The text of a double-quoted string starting after its `"`, and the index after its closing `"`. */
function doubleQuoted(s: string, from: number, vars: Vars): [string, number] {
  let text = '';
  for (let i = from; i < s.length; ) {
    const c = s[i]!;
    if (c === '"') return [text, i + 1];
    if (c === '\\' && '"\\$`\n'.includes(s[i + 1] ?? '')) {
      if (s[i + 1] !== '\n') text += s[i + 1];
      i += 2;
    } else if (c === '$') {
      const [value, next] = dollar(s, i, vars);
      text += value;
      i = next;
    } else {
      text += c;
      i++;
    }
  }
  throw new Error(`unclosed " in: ${s}`);
}

/** Expands the `$…` at `i`: `$((a - 1))`, `${NAME}` or `$NAME`; a lone `$` is itself. */
function dollar(s: string, i: number, vars: Vars): [string, number] {
  if (s.startsWith('$((', i)) {
    const close = s.indexOf('))', i);
    if (close < 0) throw new Error(`unclosed $(( in: ${s}`);
    return [String(arithmetic(s.slice(i + 3, close), vars)), close + 2];
  }
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(s.slice(i));
  if (!m) return ['$', i + 1];
  return [variable(m[1] ?? m[2]!, vars), i + m[0].length];
}

function variable(name: string, vars: Vars): string {
  if (!Object.hasOwn(vars, name)) throw new Error(`no test value for the shell variable $${name}`);
  return vars[name]!;
}

/** `a + b - c` over integers and variables (with or without `$`): what CI scripts compute shard indexes with. */
function arithmetic(expr: string, vars: Vars): number {
  const terms = expr.trim().split(/\s*([+-])\s*/);
  const value = (t: string): number => {
    const n = /^\d+$/.test(t) ? Number(t) : Number(variable(t.replace(/^\$\{?|\}$/g, ''), vars));
    if (!Number.isInteger(n)) throw new Error(`cannot compute $((${expr}))`);
    return n;
  };
  let total = value(terms[0]!);
  for (let k = 1; k < terms.length; k += 2) total += (terms[k] === '-' ? -1 : 1) * value(terms[k + 1]!);
  return total;
}
