// The table model.summary() prints: each layer, what it computes, its output shape and its
// parameter count.
import { Activation } from './layers/activation.js';
import { type Layer, shapeStr } from './layers/layer.js';

export function summaryTable(layers: readonly Layer[], totalParams: number): string {
  const rows = layers.map((l) => {
    const extra = l instanceof Activation && l.gaaf ? ` (GAAF K=${l.gaaf.K})` : '';
    const desc = l instanceof Activation ? `${l.kind}${extra}` : '';
    const np = l.params().reduce((a, p) => a + p.value.length, 0);
    return [`${l.name} (${l.className})`, desc, shapeStr(l.outputShape), String(np)];
  });
  const head = ['Layer', '', 'Output shape', 'Params'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt), `Total params: ${totalParams}`].join('\n');
}
