/**
 * Progress of one bulk call: counted per result, logged at most once a second while it runs (so
 * an operator can follow a 500-item import), and summarised for the request log line.
 */
import type { GatewayContext } from "../context.js";

const LOG_INTERVAL_MS = 1_000;

export class BulkProgress {
  private readonly counts = new Map<string, number>();
  private finished = 0;
  private readonly started = performance.now();
  private lastLogAt = this.started;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly total: number,
  ) {}

  /** @param result the union member an item ended as */
  done(result: string): void {
    this.finished++;
    this.counts.set(result, (this.counts.get(result) ?? 0) + 1);
    this.ctx.app.metrics.bulkItems.inc({ result });
    const now = performance.now();
    if (now - this.lastLogAt >= LOG_INTERVAL_MS && this.finished < this.total) {
      this.lastLogAt = now;
      const seconds = (now - this.started) / 1000;
      this.ctx.app.log.info(
        {
          requestId: this.ctx.requestId,
          done: this.finished,
          total: this.total,
          perSecond: Math.round(this.finished / seconds),
        },
        "bulk progress",
      );
    }
  }

  /** e.g. "bulk: ShipmentUpdated=498 CommandRejected=2". */
  summary(): string {
    const parts = [...this.counts].map(([result, count]) => `${result}=${count}`);
    return `bulk: ${parts.join(" ") || "empty"}`;
  }
}
