// One training run at a time per network. fit() claims a network's slot for the whole run; a
// second claim while it is held is refused, because two runs would interleave their updates of
// the same weights. dispose() during a run is deferred: the run stops before its next step, and
// the network's buffers are freed when the claim ends.

/** A network held by one training run. */
export interface TrainingClaim {
  /** dispose() was called during the run: stop before the next step. */
  readonly disposeRequested: boolean;
  /** Ends the claim; performs a dispose requested meanwhile. */
  end(): void;
}

export class TrainingSlot {
  private held: { disposeRequested: boolean } | null = null;

  /** `free` releases the network's buffers (called at the end of a claim during which dispose was asked for). */
  constructor(private readonly free: () => void) {}

  claim(where: string): TrainingClaim {
    if (this.held) {
      throw new Error(`gaaf: ${where}: this model is already being trained by another fit() call; ` +
        'two runs on one model would interleave their updates: await the first (or set model.stopTraining = true and await it) before starting another');
    }
    const state = { disposeRequested: false };
    this.held = state;
    return {
      get disposeRequested() {
        return state.disposeRequested;
      },
      end: () => {
        if (this.held !== state) return;
        this.held = null;
        if (state.disposeRequested) this.free();
      },
    };
  }

  /** During a run: asks it to stop and defers the dispose to its end (true). Otherwise false. */
  deferDispose(): boolean {
    if (!this.held) return false;
    this.held.disposeRequested = true;
    return true;
  }
}
