// The errors of the TF.js Layers format (model.json, its weight shards, io handlers), in and
// out. Every one names the file (model.json, a shard, or the handler that gave the artifacts),
// the layer or the tensor where one applies, and the byte offset where one applies.
//   TfjsFormatError:      the file is malformed (bad JSON, a shard too short, a wrong shape, ...)
//   TfjsUnsupportedError: the file is a valid TF.js model that gaaf cannot represent faithfully
//                         (a layer class gaaf lacks, an option it cannot honour), or a gaaf model
//                         TF.js cannot represent (saveTfjs)

/** Where in a model a problem is: a layer (its TF.js name and class), a tensor, a byte offset. */
export interface TfjsWhere {
  layer?: string;
  className?: string;
  tensor?: string;
  offset?: number;
}

function place(file: string, w: TfjsWhere): string {
  const parts = [file];
  if (w.layer !== undefined) parts.push(`layer '${w.layer}'${w.className ? ` (${w.className})` : ''}`);
  else if (w.className !== undefined) parts.push(`layer class ${w.className}`);
  if (w.tensor !== undefined) parts.push(`tensor '${w.tensor}'`);
  if (w.offset !== undefined) parts.push(`byte ${w.offset}`);
  return parts.join(', ');
}

/** The base of both: `file`, and the layer, tensor and byte offset where they apply. */
export class TfjsError extends Error {
  readonly file: string;
  readonly layer?: string;
  readonly className?: string;
  readonly tensor?: string;
  readonly offset?: number;

  constructor(file: string, detail: string, where: TfjsWhere = {}) {
    super(`gaaf: TF.js model ${place(file, where)}: ${detail}`);
    this.name = new.target.name;
    this.file = file;
    Object.assign(this, where);
  }
}

/** A malformed model.json, weight manifest or shard. */
export class TfjsFormatError extends TfjsError {}

/** A valid TF.js model gaaf cannot represent (or, saving, a gaaf model TF.js cannot). */
export class TfjsUnsupportedError extends TfjsError {}
