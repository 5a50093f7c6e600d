/**
 * Which execution provider ran each node of a session, read from onnxruntime's profile.
 *
 * With MEMAUDIT_ORT_PROFILE=<prefix> every session writes `<prefix>-<session>-<device>_<date>.json`
 * when released (session.ts). Each node run is a trace event of category "Node" named
 * `<node>_kernel_time` whose args carry `op_name` and `provider` (e.g. WebGpuExecutionProvider):
 * the placement onnxruntime actually used, subgraph nodes (a Loop body) included. Nodes a run never
 * reached are absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One node and the provider that ran it ('webgpu', 'cpu', … : the EP name without its suffix). */
export interface NodePlacement {
  readonly node: string;
  readonly op: string;
  readonly provider: string;
}

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly args?: { readonly op_name?: string; readonly provider?: string };
}

const KERNEL = '_kernel_time';

/** Nodes of one profile (JSON text), each once, in first-run order. */
export function nodePlacement(profileJson: string): NodePlacement[] {
  const events = JSON.parse(profileJson) as TraceEvent[];
  const seen = new Map<string, NodePlacement>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith(KERNEL) || !e.args?.op_name || !e.args.provider) continue;
    const node = e.name.slice(0, -KERNEL.length);
    if (!seen.has(node)) seen.set(node, { node, op: e.args.op_name, provider: e.args.provider.replace(/ExecutionProvider$/, '').toLowerCase() });
  }
  return [...seen.values()];
}

/** Profile files written for sessions on `device` under a MEMAUDIT_ORT_PROFILE prefix. */
export function profileFiles(prefix: string, device: string): string[] {
  const dir = path.dirname(prefix);
  const start = `${path.basename(prefix)}-`;
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  return files.filter((f) => f.startsWith(start) && f.includes(`-${device}_`) && f.endsWith('.json')).map((f) => path.join(dir, f));
}

/** Node counts per op type and provider: `{ MatMul: { webgpu: 11 }, Slice: { cpu: 2, webgpu: 2 } }`. */
export function placementSummary(nodes: readonly NodePlacement[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const n of nodes) {
    const byProvider = (out[n.op] ??= {});
    byProvider[n.provider] = (byProvider[n.provider] ?? 0) + 1;
  }
  return out;
}
