/**
 * Tracks background work (event deliveries, executions, async invocations) so tests and the
 * virtual clock can wait until the system is quiet before asserting or moving time.
 */
export class WorkTracker {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly failures: unknown[] = [];

  /** Runs `work` in the background; failures are kept for `idle` to report, never unhandled. */
  track(work: () => Promise<unknown>): void {
    const promise = Promise.resolve()
      .then(work)
      .catch((error: unknown) => {
        this.failures.push(error);
      })
      .finally(() => this.pending.delete(promise));
    this.pending.add(promise);
  }

  /** Resolves once no tracked work is left, including work started by work. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Unexpected errors thrown by background work since the last call (deliveries record their own). */
  drainFailures(): unknown[] {
    return this.failures.splice(0);
  }

  /** Tracked work not finished yet: the runtime's backlog. */
  get size(): number {
    return this.pending.size;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }
}
