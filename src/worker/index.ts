// `gaaf/worker`: train in a Web Worker. createTrainer() (the page's side) starts the package's
// module worker and returns a Trainer whose fit, evaluate and predict run there; serveTrainer()
// is that worker's side, for a worker module of your own (custom layers or callbacks first).
export { createTrainer, Trainer, type TrainerOptions, type WorkerFitOptions, type WorkerDataset, type CallbackSpec, type SendOptions } from './trainer.js';
export { FitRun, type FitEvent, type FitListeners, type BatchLogs } from './fit-run.js';
export { serveTrainer, registerWorkerCallback, type WorkerCallbackFactory } from './serve.js';
export { modelSpec, type ModelSpec, type ModelInput } from './describe.js';
export { FitCancelledError, type FitEventType } from './protocol.js';
