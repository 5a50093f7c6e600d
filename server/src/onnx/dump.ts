/**
 * Human-readable text dump of a graph, one line per node:
 *
 *   outputs = Op(inputs) {attrs} : output types
 *
 * preceded by the inputs, initializers and constants, and followed by the outputs. Subgraphs
 * (Loop bodies) are printed indented under their node. Used for debugging and golden tests.
 */
import { TensorData, elementAsNumber } from './dtype';
import { Graph } from './graph';
import { liveNodes } from './emit';
import { formatShape } from './shape';
import type { AttrValue, Node, Value } from './values';

/** Options of {@link dumpGraph}. */
export interface DumpOptions {
  /** Print only the nodes that reach an output, as emitted (default false: all nodes). */
  readonly prune?: boolean;
  /** Constants with at most this many elements are printed with their values (default 8). */
  readonly maxConstValues?: number;
}

function type(v: Value): string {
  return `${v.dtype}${formatShape(v.shape)}`;
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

function formatData(t: TensorData, max: number): string {
  if (t.data.length > max) return `<${t.data.length} values>`;
  const values = Array.from({ length: t.data.length }, (_, i) => formatNumber(elementAsNumber(t, i)));
  return t.dims.length === 0 ? values[0]! : `[${values.join(', ')}]`;
}

function formatAttr(a: AttrValue, max: number): string {
  if (a instanceof Graph) return `graph ${a.name}`;
  if (typeof a === 'number') return formatNumber(a);
  if (typeof a === 'string') return JSON.stringify(a);
  if (Array.isArray(a)) return `[${a.map((x) => (typeof x === 'number' ? formatNumber(x) : JSON.stringify(x))).join(',')}]`;
  const t = a as TensorData;
  return `${t.dtype}${formatShape(t.dims)} ${formatData(t, max)}`;
}

function nodeLine(n: Node, max: number): string {
  const outs = n.outputs.map((v) => v.name).join(', ');
  const ins = n.inputs.map((v) => v?.name ?? '-').join(', ');
  const attrs = Object.entries(n.attrs);
  const attrText = attrs.length ? ` {${attrs.map(([k, a]) => `${k}=${formatAttr(a, max)}`).join(', ')}}` : '';
  return `${outs} = ${n.op}(${ins})${attrText} : ${n.outputs.map(type).join(', ')}`;
}

function dumpInto(g: Graph, indent: string, lines: string[], o: Required<DumpOptions>): void {
  lines.push(`${indent}graph ${g.name}`);
  const pad = `${indent}  `;
  for (const v of g.inputs) lines.push(`${pad}input ${v.name}: ${type(v)}`);
  for (const v of g.initializers) {
    const data = v.constData!;
    if (v.source.kind === 'initializer') lines.push(`${pad}init ${v.name}: ${type(v)}`);
    else lines.push(`${pad}const ${v.name}: ${type(v)} = ${formatData(data, o.maxConstValues)}`);
  }
  const nodes = o.prune ? liveNodes(g, true).nodes : g.nodes;
  for (const n of nodes) {
    lines.push(pad + nodeLine(n, o.maxConstValues));
    for (const a of Object.values(n.attrs)) if (a instanceof Graph) dumpInto(a, `${pad}  `, lines, o);
  }
  for (const v of g.outputs) lines.push(`${pad}output ${v.name}: ${type(v)}`);
}

/** Text dump of a graph and its subgraphs. */
export function dumpGraph(g: Graph, options: DumpOptions = {}): string {
  const lines: string[] = [];
  dumpInto(g, '', lines, { prune: options.prune ?? false, maxConstValues: options.maxConstValues ?? 8 });
  return lines.join('\n') + '\n';
}
