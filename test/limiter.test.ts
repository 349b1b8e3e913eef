/**
 * The process-wide semaphore behind BULK_CONCURRENCY: how many tasks run, in which order the
 * waiting ones start, that a failing task never keeps its slot, and that lanes (one per bulk call)
 * take turns for free slots.
 */
import { describe, expect, it } from "vitest";
import { type Lane, Limiter } from "../src/domain/limiter.js";

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask and one macrotask turn run, so started tasks have started. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Tasks that start when the limiter (or one of its lanes) lets them and finish when the test says so. */
function controlledTasks(limiter: Pick<Limiter, "run">, count: number) {
  const started: number[] = [];
  const gates = Array.from({ length: count }, () => deferred<number>());
  let running = 0;
  let maxRunning = 0;
  const results = gates.map((gate, index) =>
    limiter.run(async () => {
      started.push(index);
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        return await gate.promise;
      } finally {
        running--;
      }
    }),
  );
  return {
    started,
    gates,
    results,
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
  };
}

describe("Limiter", () => {
  it("runs at most `max` tasks at once and queues the rest", async () => {
    const limiter = new Limiter(3);
    const tasks = controlledTasks(limiter, 10);
    await settle();
    expect(tasks.started).toEqual([0, 1, 2]);
    expect(limiter.inFlight).toBe(3);
    expect(limiter.queued).toBe(7);

    for (const [index, gate] of tasks.gates.entries()) {
      gate.resolve(index * 10);
      await settle();
      expect(tasks.running).toBeLessThanOrEqual(3);
    }
    expect(await Promise.all(tasks.results)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(tasks.maxRunning).toBe(3);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  it("keeps every slot busy while work is queued", async () => {
    const limiter = new Limiter(2);
    const tasks = controlledTasks(limiter, 5);
    await settle();
    tasks.gates[1]?.resolve(1);
    await settle();
    // Task 1 finished: its slot went to the first waiter at once.
    expect(tasks.started).toEqual([0, 1, 2]);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queued).toBe(2);
    for (const gate of tasks.gates) gate.resolve(0);
    await Promise.all(tasks.results);
    expect(limiter.inFlight).toBe(0);
  });

  it("starts waiting tasks in arrival order, whichever running task finishes first", async () => {
    const limiter = new Limiter(2);
    const tasks = controlledTasks(limiter, 8);
    await settle();
    // Finish out of order: the waiters must still start 2, 3, 4, ...
    for (const index of [1, 0, 3, 2, 5, 4, 7, 6]) {
      tasks.gates[index]?.resolve(index);
      await settle();
    }
    await Promise.all(tasks.results);
    expect(tasks.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  // A newcomer may arrive at any moment while a freed slot is passing to a waiter; it is tried
  // at each microtask turn after the running task returns, so no window is left untested.
  it.each(Array.from({ length: 12 }, (_, turns) => turns))(
    "does not let a newcomer arriving %i microtask turns after a slot frees jump the queue",
    async (turns) => {
      const limiter = new Limiter(1);
      const order: string[] = [];
      let running = 0;
      let maxRunning = 0;
      const track = async (name: string, body: () => Promise<void>) => {
        order.push(name);
        running++;
        maxRunning = Math.max(maxRunning, running);
        try {
          await body();
        } finally {
          running--;
        }
      };
      const first = deferred();
      let newcomer: Promise<void> | undefined;
      const a = limiter.run(() =>
        track("a", async () => {
          await first.promise;
          // Started as a returns: its first turns run while the limiter is releasing a's slot.
          newcomer = (async () => {
            for (let i = 0; i < turns; i++) await null;
            await limiter.run(() => track("c", async () => {}));
          })();
        }),
      );
      const b = limiter.run(() => track("b", async () => {}));
      await settle();
      first.resolve();
      await a;
      await Promise.all([b, newcomer]);
      expect(order).toEqual(["a", "b", "c"]);
      expect(maxRunning).toBe(1);
      expect(limiter.inFlight).toBe(0);
    },
  );

  it("passes the task's value through", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(async () => ({ answer: 42 }))).resolves.toEqual({ answer: 42 });
  });

  it("releases the slot of a task that rejects, and passes its error to the caller", async () => {
    const limiter = new Limiter(1);
    const failure = new Error("OMS gone");
    const failing = limiter.run(async () => {
      throw failure;
    });
    const next = limiter.run(async () => "ran");
    await expect(failing).rejects.toBe(failure);
    await expect(next).resolves.toBe("ran");
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  it("releases the slot of a task that throws before returning a promise", async () => {
    const limiter = new Limiter(1);
    const failure = new TypeError("not a function");
    const failing = limiter.run((() => {
      throw failure;
    }) as () => Promise<never>);
    await expect(failing).rejects.toBe(failure);
    await expect(limiter.run(async () => "ran")).resolves.toBe("ran");
    expect(limiter.inFlight).toBe(0);
  });

  it("hands the slot of a failed task to the next waiter and keeps the bound", async () => {
    const limiter = new Limiter(2);
    const tasks = controlledTasks(limiter, 6);
    await settle();
    tasks.gates[0]?.reject(new Error("first fails"));
    await expect(tasks.results[0]).rejects.toThrow("first fails");
    await settle();
    expect(tasks.started).toEqual([0, 1, 2]);
    expect(limiter.inFlight).toBe(2);
    for (const gate of tasks.gates.slice(1)) gate.reject(new Error("all fail"));
    const settled = await Promise.allSettled(tasks.results);
    expect(settled.map((s) => s.status)).toEqual(Array(6).fill("rejected"));
    expect(tasks.maxRunning).toBe(2);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses max = %s", (max) => {
    expect(() => new Limiter(max)).toThrow(RangeError);
    expect(() => new Limiter(max)).toThrow(`Limiter needs a positive integer, got ${max}.`);
  });

  it("accepts max = 1 and reports it", () => {
    const limiter = new Limiter(1);
    expect(limiter.max).toBe(1);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });
});

describe("Limiter lanes", () => {
  /** Queues `count` tasks named `<name><i>` on `lane`; each records its start and ends at once. */
  function queue(lane: Pick<Lane, "run">, name: string, count: number, order: string[]) {
    return Array.from({ length: count }, (_, i) =>
      lane.run(async () => {
        order.push(`${name}${i}`);
        await settle();
        return `${name}${i}`;
      }),
    );
  }

  it("serves a small lane that arrives behind a big one after one task, not after all of them", async () => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    const big = queue(limiter.lane(), "a", 6, order);
    const small = queue(limiter.lane(), "b", 1, order);
    await Promise.all([...big, ...small]);
    // a0 held the slot, a1 was first in line; then the lanes alternate.
    expect(order).toEqual(["a0", "a1", "b0", "a2", "a3", "a4", "a5"]);
  });

  it("round-robins between every lane with waiting tasks, each lane in its own arrival order", async () => {
    const limiter = new Limiter(2);
    const order: string[] = [];
    const a = queue(limiter.lane(), "a", 4, order);
    const b = queue(limiter.lane(), "b", 3, order);
    const c = queue(limiter.lane(), "c", 2, order);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queued).toBe(7);
    await Promise.all([...a, ...b, ...c]);
    expect(order).toEqual(["a0", "a1", "a2", "b0", "c0", "a3", "b1", "c1", "b2"]);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  it("keeps one bound across lanes and the shared lane", async () => {
    const limiter = new Limiter(3);
    const lanes = [limiter, limiter.lane(), limiter.lane(), limiter.lane()];
    const all = lanes.map((lane) => controlledTasks(lane, 4));
    await settle();
    const running = () => all.reduce((sum, tasks) => sum + tasks.running, 0);
    expect(running()).toBe(3);
    expect(limiter.queued).toBe(13);
    for (const tasks of all) {
      for (const gate of tasks.gates) {
        gate.resolve(0);
        await settle();
        expect(running()).toBeLessThanOrEqual(3);
      }
    }
    await Promise.all(all.flatMap((tasks) => tasks.results));
    expect(Math.max(...all.map((tasks) => tasks.maxRunning))).toBeLessThanOrEqual(3);
    expect(limiter.inFlight).toBe(0);
  });

  it("close refuses the lane's waiting and later tasks, lets its running one finish, and leaves other lanes alone", async () => {
    const limiter = new Limiter(1);
    const closing = limiter.lane();
    const other = limiter.lane();
    const running = controlledTasks(closing, 3);
    const others = controlledTasks(other, 2);
    await settle();
    expect(running.started).toEqual([0]);
    expect(limiter.queued).toBe(4);

    const reason = new Error("deadline passed");
    closing.close(reason);
    await expect(running.results[1]).rejects.toBe(reason);
    await expect(running.results[2]).rejects.toBe(reason);
    await expect(closing.run(async () => "late")).rejects.toBe(reason);
    expect(limiter.queued).toBe(2);
    expect(limiter.inFlight).toBe(1);

    running.gates[0]?.resolve(7);
    await expect(running.results[0]).resolves.toBe(7);
    await settle();
    // The freed slot went to the other lane, not to a refused task.
    expect(others.started).toEqual([0]);
    for (const gate of others.gates) gate.resolve(1);
    await expect(Promise.all(others.results)).resolves.toEqual([1, 1]);
    expect(running.started).toEqual([0]);
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });

  it("a closed lane with nothing waiting changes no count", async () => {
    const limiter = new Limiter(2);
    const lane = limiter.lane();
    await expect(lane.run(async () => "done")).resolves.toBe("done");
    lane.close(new Error("late"));
    lane.close(new Error("twice"));
    await expect(limiter.run(async () => "still works")).resolves.toBe("still works");
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queued).toBe(0);
  });
});
