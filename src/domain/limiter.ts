/**
 * A counting semaphore shared by the whole process: at most `max` tasks run at once, so the bound
 * holds across concurrent requests. Waiting tasks sit in lanes, one per caller (a bulk call opens
 * its own with `lane()`); a freed slot goes to the lanes in turn, each lane's tasks in arrival order.
 * A 1-item call that arrives behind an 80-item one therefore waits for about one slot, not 80.
 */
export class Limiter {
  private active = 0;
  private waitingCount = 0;
  // Private: lanes with waiting tasks, in the order they are served next.
  private readonly turns: LaneQueue[] = [];
  private readonly slots: Slots = {
    tryAcquire: () => {
      if (this.active >= this.max) return false;
      this.active++;
      return true;
    },
    enqueue: (lane, waiter) => {
      if (lane.waiting.length === 0) this.turns.push(lane);
      lane.waiting.push(waiter);
      this.waitingCount++;
    },
    // The slot passes straight to the next lane's first waiter, so `active` never dips and lets a
    // newcomer jump the queue.
    release: () => {
      const lane = this.turns.shift();
      const next = lane?.waiting.shift();
      if (lane === undefined || next === undefined) {
        this.active--;
        return;
      }
      this.waitingCount--;
      if (lane.waiting.length > 0) this.turns.push(lane);
      next.start();
    },
    forget: (lane, dropped) => {
      const index = this.turns.indexOf(lane);
      if (index >= 0) this.turns.splice(index, 1);
      this.waitingCount -= dropped;
    },
  };
  private readonly shared = new LaneQueue(this.slots);

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`Limiter needs a positive integer, got ${max}.`);
  }

  /** Tasks running now. */
  get inFlight(): number {
    return this.active;
  }

  /** Tasks waiting for a slot, in every lane. */
  get queued(): number {
    return this.waitingCount;
  }

  /** Runs `task` in the lane shared by every caller that has none of its own. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return this.shared.run(task);
  }

  /** A lane of its own: its tasks take turns with the other lanes' tasks for the free slots. */
  lane(): Lane {
    return new LaneQueue(this.slots);
  }
}

/** One caller's share of a Limiter. */
export interface Lane {
  /** Runs `task` when this lane's turn brings a free slot. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /**
   * Refuses this lane's waiting tasks, and any it is given later, with `reason`; tasks already
   * running go on. For a caller that stops waiting (a deadline).
   */
  close(reason: Error): void;
}

interface Waiter {
  start(): void;
  refuse(reason: Error): void;
}

// Private: what a lane may do to its limiter's slots, kept off the Limiter's public surface.
interface Slots {
  tryAcquire(): boolean;
  enqueue(lane: LaneQueue, waiter: Waiter): void;
  release(): void;
  forget(lane: LaneQueue, dropped: number): void;
}

class LaneQueue implements Lane {
  readonly waiting: Waiter[] = [];
  private closedWith: Error | null = null;

  constructor(private readonly slots: Slots) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.closedWith) throw this.closedWith;
    if (!this.slots.tryAcquire()) {
      await new Promise<void>((start, refuse) => this.slots.enqueue(this, { start, refuse }));
    }
    try {
      return await task();
    } finally {
      this.slots.release();
    }
  }

  close(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    const dropped = this.waiting.splice(0);
    this.slots.forget(this, dropped.length);
    for (const waiter of dropped) waiter.refuse(reason);
  }
}
