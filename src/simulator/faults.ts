import type { Fault, FaultRule } from "./types.js";

interface ActiveRule {
  method: string | undefined;
  path: string | RegExp | undefined;
  remaining: number;
  fault: Fault;
}

/** Injected faults, matched in the order they were added; a rule with `times` is dropped once used up. */
export class FaultBook {
  private rules: ActiveRule[] = [];

  get empty(): boolean {
    return this.rules.length === 0;
  }

  add(rule: FaultRule): void {
    const times = rule.times ?? Number.POSITIVE_INFINITY;
    if (!(times > 0)) return;
    this.rules.push({
      method: rule.method?.toUpperCase(),
      path: rule.path,
      remaining: times,
      fault: rule.fault,
    });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, if any, counting one use of its rule. */
  take(method: string, pathname: string): Fault | undefined {
    const index = this.rules.findIndex((rule) => matches(rule, method, pathname));
    const rule = this.rules[index];
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(index, 1);
    return rule.fault;
  }
}

function matches(rule: ActiveRule, method: string, pathname: string): boolean {
  if (rule.method !== undefined && rule.method !== method) return false;
  if (rule.path === undefined) return true;
  if (typeof rule.path === "string") return rule.path === pathname;
  // A global or sticky RegExp remembers where it stopped; every request must be tested from the start.
  rule.path.lastIndex = 0;
  return rule.path.test(pathname);
}
