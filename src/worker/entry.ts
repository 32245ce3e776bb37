// The module worker that createTrainer() starts (dist/bundle/gaaf-trainer-worker.js beside the
// bundle; dist/worker/entry.js in tsc's output): it serves the page's Trainer.
import { serveTrainer } from './index.js';

serveTrainer();
