// The error of a foreign weights or model file (PyTorch / Hugging Face safetensors, ONNX export
// of a model gaaf cannot express): names the file, the byte offset where one applies, the
// tensor and the gaaf layer. A CheckpointError, so code that catches malformed checkpoints
// catches these too. Pure.
import { CheckpointError } from '../checkpoint/errors.js';

export class WeightsFileError extends CheckpointError {
  override readonly name = 'WeightsFileError';
  constructor(file: string, detail: string, offset?: number, tensor?: string, readonly layer?: string) {
    super(file, detail, offset, tensor);
  }
}
