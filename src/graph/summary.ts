// The table summary() prints: one row per layer call, its output shape and parameter count;
// for a graph, what each call is connected to.
import { Activation } from '../layers/activation.js';
import { shapeStr } from '../layers/layer.js';
import type { GraphRunner } from './runner.js';

export function summaryTable(r: GraphRunner, graph: boolean, total: number): string {
  const I = r.graph.inputs.length;
  const seen = new Set<number>();
  const from = (id: number): string => (id < I ? r.graph.inputs[id].name : r.nodeLayers[id - I].name);
  const rows = r.graph.nodes.map((nd, k) => {
    const l = r.nodeLayers[k];
    const extra = l instanceof Activation && l.gaaf ? ` (GAAF K=${l.gaaf.K})` : '';
    const desc = l instanceof Activation ? `${l.kind}${extra}` : '';
    const shared = seen.has(nd.layer);
    seen.add(nd.layer);
    const np = shared ? 0 : l.params().reduce((a, p) => a + p.value.length, 0);
    const row = [`${l.name} (${l.className})${shared ? ' shared' : ''}`, desc, shapeStr(r.shapes[I + k]), String(np)];
    if (graph) row.push(nd.inputs.map(from).join(', '));
    return row;
  });
  const head = ['Layer', '', 'Output shape', 'Params', ...(graph ? ['Connected to'] : [])];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i].length)));
  const fmt = (x: string[]): string => x.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt), `Total params: ${total}`].join('\n');
}
