// `gaaf export --onnx <model dir>`: a model saved with model.save(dir) (or a checkpoint
// directory) as an ONNX file, written atomically: <dir>/model.onnx unless --out says where.
// The model is loaded (and validated) as Model.load does; the export is model.toOnnx's.
import { dirname, join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { init } from '../binding.js';
import { writeFileAtomic } from '../checkpoint/node.js';
import { ONNX_OPSETS } from '../interop/onnx/export.js';
import { Model } from '../sequential.js';
import { parsePath } from './args.js';

interface ExportOpts { onnx?: boolean; out?: string; opset: number }

const parseOpset = (v: string): number => {
  const n = Number(v);
  if (!ONNX_OPSETS.includes(n)) throw new InvalidArgumentError(`--opset must be one of ${ONNX_OPSETS.join(', ')}, got '${v}'`);
  return n;
};

/** Loads the model in `dir`, writes its ONNX export, and returns where and how big. */
export async function exportModel(dir: string, o: ExportOpts): Promise<{ path: string; bytes: number; layers: number }> {
  if (!o.onnx) throw new InvalidArgumentError('say the format: --onnx (the one gaaf exports to)');
  await init();
  const model = await Model.load(dir);
  const bytes = model.toOnnx({ opset: o.opset });
  const path = resolve(o.out ?? join(dir, 'model.onnx'));
  writeFileAtomic(path, bytes, dirname(path));
  return { path, bytes: bytes.length, layers: model.layers.length };
}

export function addExportCommand(program: Command): void {
  program.command('export')
    .description('write a saved gaaf model (a model.save() or checkpoint directory) as an ONNX file, for inference (BatchNorm with its running statistics, no Dropout)')
    .argument('<dir>', 'the directory the model was saved to')
    .option('--onnx', 'ONNX (opset 17 by default): NHWC inputs as gaaf takes them, the outputs before the loss head (predictOutputs)', false)
    .option('--out <file>', 'where to write it (default: <dir>/model.onnx)', parsePath('--out'))
    .option('--opset <n>', `ONNX opset, one of ${ONNX_OPSETS.join(', ')}`, parseOpset, 17)
    .action(async (dir: string, o: ExportOpts) => {
      const r = await exportModel(dir, o);
      process.stdout.write(`wrote ${r.path} (${r.bytes} bytes, ${r.layers} layers, opset ${o.opset})\n`);
    });
}
