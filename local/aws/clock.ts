/**
 * The local runtime's clock. `virtual` time moves only when a test advances it (schedules due on
 * the way fire in order); `scaled` time runs N times faster than the wall clock, so a 23-hour wait
 * passes in seconds for a demo. Handlers see the same clock through functions/platform/clock.ts.
 */
/** Anything that tells the time in epoch milliseconds. */
export interface Clock {
  now(): number;
  /** Clock milliseconds per real millisecond (0: it moves only when told). */
  readonly scale?: number;
}

export interface LocalClock extends Clock {
  readonly mode: 'virtual' | 'scaled';
  /** Journey milliseconds per real millisecond. */
  readonly scale: number;
  /**
   * The clock as shared memory, for other threads (the Lambda sandboxes) to read with
   * `sharedClock`: [journey time at the reference, wall time at the reference, scale].
   */
  readonly shared: SharedArrayBuffer;
}

/** A reader of a clock shared by another thread: the same time, without messages. */
export function sharedClock(buffer: SharedArrayBuffer): Clock {
  const cells = new Float64Array(buffer);
  return {
    now: () => {
      const [base = 0, realBase = 0, scale = 0] = cells;
      return scale === 0 ? base : Math.floor(base + (Date.now() - realBase) * scale);
    },
    get scale() {
      return cells[2] ?? 0;
    },
  };
}

/** A clock that moves only when told to. */
export class VirtualClock implements LocalClock {
  readonly mode = 'virtual';
  readonly scale = 0;
  readonly shared = new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT);
  private readonly cells = new Float64Array(this.shared);
  constructor(private current: number) {
    this.cells[0] = current;
  }

  now(): number {
    return this.current;
  }

  /** Sets the time; it never goes backwards. */
  set(ms: number): void {
    this.current = Math.max(this.current, ms);
    this.cells[0] = this.current;
  }
}

/** Wall time from a start, accelerated by `scale`. */
export class ScaledClock implements LocalClock {
  readonly mode = 'scaled';
  private readonly realStart = Date.now();
  readonly shared = new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT);
  constructor(
    readonly scale: number,
    private readonly start: number = Date.now(),
  ) {
    if (!(scale >= 1)) throw new Error('--time-scale must be a number >= 1');
    new Float64Array(this.shared).set([start, this.realStart, scale]);
  }

  now(): number {
    return Math.floor(this.start + (Date.now() - this.realStart) * this.scale);
  }

  /** Real milliseconds until a journey time. */
  realDelayUntil(ms: number): number {
    return Math.max(0, (ms - this.now()) / this.scale);
  }
}
