/**
 * A fake clock for deadlines, so that a spec proves "not before the deadline, and at it" by moving
 * time itself instead of measuring it: a busy machine cannot make such a spec flaky.
 *
 * Only setTimeout, clearTimeout and performance.now are faked; sockets, setImmediate and setInterval
 * keep running on the real clock, so a loopback server can still talk to the code under test.
 */
import { vi } from "vitest";

export interface FakeClock {
  /** Moves the clock on by `ms`, firing what falls due, then lets pending I/O run. */
  advance(ms: number): Promise<void>;
  restore(): void;
}

export function fakeClock(): FakeClock {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  return {
    async advance(ms) {
      await vi.advanceTimersByTimeAsync(ms);
      for (let turn = 0; turn < 20; turn++) await nextTurn();
    },
    restore: () => vi.useRealTimers(),
  };
}

/** A promise and whether it has settled yet, to show that it has not. */
export function settled<T>(promise: Promise<T>): { promise: Promise<T>; readonly done: boolean } {
  let done = false;
  const finish = () => {
    done = true;
  };
  promise.then(finish, finish);
  return {
    promise,
    get done() {
      return done;
    },
  };
}

/** Waits for real I/O to make `check` hold, without any timer a fake clock would hold back. */
export async function untilIo(check: () => boolean, what = "the condition"): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await nextTurn();
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
