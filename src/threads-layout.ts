// The control block that the thread pool (src/threads.ts) and its workers
// (src/threads-worker.ts, whose source text is built from these numbers) share in Wasm memory:
// its layout is set here and nowhere else. src/wasm/parallel.ts allocates it.
//
//   header (Int32 words, HEADER_BYTES): [GENERATION] round counter, [RUNNING] workers still
//     running, [ERROR] set by a worker whose call threw, [PROBE] always 0 (Atomics.wait on it for
//     'not 1' tells whether this thread may block), [SPIN] iterations to spin before sleeping
//   slot k (SLOT_BYTES at HEADER_BYTES + k·SLOT_BYTES; k = worker id, slot 0 unused), Float64
//     words: [OP] export index (IDLE: nothing to do this round, STOP: leave), [ARGC] argument
//     count, [ARGS..] the arguments; and the Int32 at byte TAG_BYTE of the slot: the generation
//     the slot was written for.
export const CTRL = {
  HEADER_BYTES: 64,
  HEADER_WORDS: 16,
  GENERATION: 0,
  RUNNING: 1,
  ERROR: 2,
  PROBE: 3,
  SPIN: 4,
  SLOT_BYTES: 256,
  OP: 0,
  ARGC: 1,
  ARGS: 2,
  TAG_BYTE: 248,
  IDLE: -1,
  STOP: -2,
} as const;

/** Float64 words per slot. */
export const SLOT_F64 = CTRL.SLOT_BYTES / 8;
/** Int32 words per slot (the stride of the tags). */
export const SLOT_I32 = CTRL.SLOT_BYTES / 4;
/** Most arguments of one call: the Float64 words between ARGS and the tag. */
export const MAX_ARGS = CTRL.TAG_BYTE / 8 - CTRL.ARGS;

/** Bytes of the control block for up to `maxWorkers` workers. */
export function controlBytes(maxWorkers: number): number {
  return CTRL.HEADER_BYTES + (maxWorkers + 1) * CTRL.SLOT_BYTES;
}
