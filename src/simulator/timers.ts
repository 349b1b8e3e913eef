/** Delays that close() can cancel, so a closed simulator leaves no timer keeping the process alive. */
export class Delays {
  private pending = new Set<NodeJS.Timeout>();

  /** Resolves after `ms`, or never once cancelled: the request it delays is then gone with its socket. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.add(timer);
    });
  }

  cancelAll(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
