/**
 * The OMS circuit breaker on its own, with a hand-driven wall clock for the open period (the bound
 * on waiting for a probe is a real timer).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type BreakerState, BrokenCircuitError, CircuitBreaker } from "../src/oms/breaker.js";

class Failure extends Error {}
class Bug extends Error {}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"], now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(threshold = 3, halfOpenAfterMs = 1000) {
  const changes: BreakerState[] = [];
  const breaker = new CircuitBreaker({
    threshold,
    halfOpenAfterMs,
    onStateChange: (state) => changes.push(state),
  });
  let calls = 0;
  const isFailure = (outcome: { error: unknown } | { value: number }) =>
    "error" in outcome ? outcome.error instanceof Failure : outcome.value >= 500;
  const answer = (status: number) =>
    breaker.execute(async () => {
      calls++;
      return status;
    }, isFailure);
  const fail = (error: Error = new Failure()) =>
    breaker.execute(async () => {
      calls++;
      throw error;
    }, isFailure);
  return {
    breaker,
    changes,
    answer,
    fail,
    calls: () => calls,
    advance: (ms: number) => {
      vi.setSystemTime(Date.now() + ms);
    },
  };
}

describe("CircuitBreaker", () => {
  it("stays closed below the threshold, and a success resets the count", async () => {
    const b = setup(3);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    await expect(b.answer(503)).resolves.toBe(503);
    await expect(b.answer(204)).resolves.toBe(204);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    await expect(b.answer(500)).resolves.toBe(500);
    expect(b.breaker.state).toBe("closed");
    expect(b.changes).toEqual([]);
    expect(b.calls()).toBe(5);
  });

  it("opens on the threshold-th failure in a row and then refuses calls without making them", async () => {
    const b = setup(3);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    await expect(b.answer(502)).resolves.toBe(502);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    expect(b.breaker.state).toBe("open");
    expect(b.changes).toEqual(["open"]);
    await expect(b.answer(204)).rejects.toBeInstanceOf(BrokenCircuitError);
    b.advance(999);
    await expect(b.answer(204)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(b.calls()).toBe(3);
  });

  it("lets one probe through after the delay; its success closes the breaker", async () => {
    const b = setup(1, 1000);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    b.advance(1000);
    await expect(b.answer(204)).resolves.toBe(204);
    expect(b.breaker.state).toBe("closed");
    expect(b.changes).toEqual(["open", "halfOpen", "closed"]);
    await expect(b.answer(204)).resolves.toBe(204);
    expect(b.calls()).toBe(3);
  });

  it("refuses other calls while the probe is out, and reopens for a full period when it fails", async () => {
    const b = setup(1, 1000);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    b.advance(1000);
    let release: (value: number) => void = () => {};
    const probe = b.breaker.execute(
      () => new Promise<number>((resolve) => (release = resolve)),
      (o) => "value" in o && o.value >= 500,
    );
    expect(b.breaker.state).toBe("halfOpen");
    await expect(b.answer(204)).rejects.toBeInstanceOf(BrokenCircuitError);
    release(503);
    await expect(probe).resolves.toBe(503);
    expect(b.breaker.state).toBe("open");
    b.advance(999);
    await expect(b.answer(204)).rejects.toBeInstanceOf(BrokenCircuitError);
    b.advance(1);
    await expect(b.answer(204)).resolves.toBe(204);
    expect(b.changes).toEqual(["open", "halfOpen", "open", "halfOpen", "closed"]);
  });

  it("passes on errors that are not OMS failures without counting them", async () => {
    const b = setup(2);
    await expect(b.fail(new Bug())).rejects.toBeInstanceOf(Bug);
    await expect(b.fail(new Bug())).rejects.toBeInstanceOf(Bug);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    expect(b.breaker.state).toBe("closed");
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    expect(b.breaker.state).toBe("open");
  });

  it("opens again for a full period when the probe ends in an error that would not count", async () => {
    // A probe cut short by its own caller says nothing about the OMS: it must not close the breaker.
    const b = setup(1, 1000);
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    b.advance(1000);
    await expect(b.fail(new Bug())).rejects.toBeInstanceOf(Bug);
    expect(b.breaker.state).toBe("open");
    b.advance(999);
    await expect(b.answer(204)).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(b.calls()).toBe(2);
    expect(b.changes).toEqual(["open", "halfOpen", "open"]);
  });

  it("leaves the probe to decide: a late failure of a call made before the breaker opened does not reopen it", async () => {
    const b = setup(1, 1000);
    let failLate: () => void = () => {};
    const late = b.breaker.execute(
      () => new Promise<number>((_resolve, reject) => (failLate = () => reject(new Failure()))),
      (o) => "error" in o,
    );
    await expect(b.fail()).rejects.toBeInstanceOf(Failure);
    b.advance(1000);
    let release: (value: number) => void = () => {};
    const probe = b.breaker.execute(
      () => new Promise<number>((resolve) => (release = resolve)),
      (o) => "value" in o && o.value >= 500,
    );
    failLate();
    await expect(late).rejects.toBeInstanceOf(Failure);
    expect(b.breaker.state).toBe("halfOpen");
    release(204);
    await expect(probe).resolves.toBe(204);
    expect(b.breaker.state).toBe("closed");
    expect(b.changes).toEqual(["open", "halfOpen", "closed"]);
  });

  describe("calls that meet a half-open breaker", () => {
    // Private: opens the breaker, lets the period pass and starts a probe that ends when the test says.
    async function halfOpen() {
      const b = setup(1, 1000);
      await expect(b.fail()).rejects.toBeInstanceOf(Failure);
      b.advance(1000);
      let release: (status: number) => void = () => {};
      const probe = b.breaker.execute(
        () =>
          new Promise<number>((resolve) => {
            release = resolve;
          }),
        (o) => "value" in o && o.value >= 500,
      );
      await Promise.resolve();
      expect(b.breaker.state).toBe("halfOpen");
      return { ...b, probe, release: (status: number) => release(status) };
    }

    it("wait for a probe that succeeds, then go through", async () => {
      const b = await halfOpen();
      let made = 0;
      const calls = Array.from({ length: 3 }, () =>
        b.breaker.execute(
          async () => {
            made++;
            return 204;
          },
          () => false,
          { maxWaitMs: 5_000 },
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Still waiting: nothing beside the probe reached the OMS.
      expect(made).toBe(0);
      b.release(204);
      await expect(b.probe).resolves.toBe(204);
      await expect(Promise.all(calls)).resolves.toEqual([204, 204, 204]);
      expect(made).toBe(3);
      expect(b.breaker.state).toBe("closed");
      expect(b.changes).toEqual(["open", "halfOpen", "closed"]);
    });

    it("wait for a probe that fails, then fail fast without being made", async () => {
      const b = await halfOpen();
      let made = 0;
      const calls = Array.from({ length: 3 }, () =>
        b.breaker.execute(
          async () => {
            made++;
            return 204;
          },
          () => false,
          { maxWaitMs: 5_000 },
        ),
      );
      b.release(503);
      await expect(b.probe).resolves.toBe(503);
      for (const call of calls) await expect(call).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(made).toBe(0);
      expect(b.breaker.state).toBe("open");
    });

    it("are refused when the probe outlasts their wait, and are never made", async () => {
      const b = await halfOpen();
      let made = 0;
      const call = b.breaker.execute(
        async () => {
          made++;
          return 204;
        },
        () => false,
        { maxWaitMs: 30 },
      );
      await expect(call).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(b.breaker.state).toBe("halfOpen");
      b.release(204);
      await b.probe;
      expect(made).toBe(0);
    });

    it("are refused at once without a wait allowance", async () => {
      const b = await halfOpen();
      await expect(b.answer(204)).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(b.calls()).toBe(1);
      b.release(204);
      await b.probe;
    });

    it("do not wait when the breaker is open and no probe is due", async () => {
      const b = setup(1, 1000);
      await expect(b.fail()).rejects.toBeInstanceOf(Failure);
      const refused = b.breaker.execute(
        async () => 204,
        () => false,
        { maxWaitMs: 60_000 },
      );
      await expect(refused).rejects.toBeInstanceOf(BrokenCircuitError);
      expect(b.calls()).toBe(1);
    });
  });
});
