// The GAAF shape flags shared by `gaaf train` and `gaaf reproduce` (--gaaf-c, --gaaf-a, --gaaf-b,
// --gaaf-shape, --gaaf-height, --gaaf-surrogate; src/gaaf.ts defines each), and their check
// against the activation: a flag that does not apply to it (or to its shape) is an error naming it.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { GAAF_SHAPES } from '../binding.js';
import { type GaafFields, type GaafKind, type GaafOptions, gaafOptionsFromFields, gaafShapesOf, resolveGaaf } from '../gaaf.js';
import { flag, parsePositive } from './args.js';

/** The shape flags' values (K is its own flag, --gaaf-k, with a default). */
export type GaafFlags = Omit<GaafFields, 'gaafK'>;

export const GAAF_FLAG_KEYS = ['gaafC', 'gaafA', 'gaafB', 'gaafShape', 'gaafHeight', 'gaafSurrogate'] as const;

function parseFinite(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a finite number, got '${v}'.`);
    return n;
  };
}

/** Adds the shape flags (none has a default: a flag left out is the shape's own default). */
export function addGaafShapeFlags(cmd: Command): Command {
  return cmd
    .option('--gaaf-c <c>', 'GAAF width c of the bell exp(−x²/c) and the ring (tanh, sigmoid) or the left bump (relu); default tanh 3 (ring 2), sigmoid 12 (ring 8), left bump 0.75', parsePositive('--gaaf-c'))
    .option('--gaaf-a <a>', 'GAAF slope a of the shifted sigmoid σ(a·(x − b)) (relu); default 3.3', parsePositive('--gaaf-a'))
    .option('--gaaf-b <b>', 'GAAF centre b of the shifted sigmoid (relu); default −0.6', parseFinite('--gaaf-b'))
    .addOption(new Option('--gaaf-shape <name>', 'GAAF shape: bell or ring (tanh, sigmoid), shiftedSigmoid or leftBump (relu); default bell, shiftedSigmoid').choices([...GAAF_SHAPES]))
    .option('--gaaf-height <h>', 'GAAF shape height h, s multiplied by it (¼ for sigmoid is tanh\'s shape stretched by 2); default 1', parsePositive('--gaaf-height'))
    .option('--gaaf-surrogate', 'GAAF as a surrogate gradient: the forward pass φ exactly, the backward φ′ + s');
}

/** The flags given (as their keys). */
export const gaafFlagsGiven = (o: GaafFlags): Array<(typeof GAAF_FLAG_KEYS)[number]> => GAAF_FLAG_KEYS.filter((k) => o[k] !== undefined);

/**
 * The GAAF options (K added) of `kind` from the flags, each checked against the activation and
 * its shape; `allowed` limits the flags a command takes (the others are errors naming `where`).
 */
export function gaafOptionsFromFlags(kind: GaafKind, K: number, o: GaafFlags, where: string, allowed: readonly string[] = GAAF_FLAG_KEYS): GaafOptions {
  const given = gaafFlagsGiven(o);
  const refused = given.filter((k) => !allowed.includes(k));
  if (refused.length) throw new InvalidArgumentError(`${refused.map(flag).join(', ')} does not apply to ${where}.`);
  const shapes = gaafShapesOf(kind);
  const shape = o.gaafShape ?? shapes[0];
  if (!shapes.includes(shape)) throw new InvalidArgumentError(`--gaaf-shape ${shape} does not apply to ${kind} (${kind} takes ${shapes.join(', ')}).`);
  const takesC = shape !== 'shiftedSigmoid';
  const wrong = given.filter((k) => (takesC ? k === 'gaafA' || k === 'gaafB' : k === 'gaafC'));
  if (wrong.length) {
    throw new InvalidArgumentError(`${wrong.map(flag).join(', ')} does not apply to ${kind} with the ${shape} shape (it takes ${takesC ? '--gaaf-c' : '--gaaf-a, --gaaf-b'}).`);
  }
  const opts = gaafOptionsFromFields({ ...o, gaafK: K });
  try {
    resolveGaaf(kind, opts);
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message.replace(/^gaaf: /, '')}.`);
  }
  return opts;
}
