/**
 * Round trips of mocked AWS calls: each call waits until the test answers the round trip it
 * belongs to, and all the calls in flight are answered together as one. Counts how many round
 * trips a use case needs before a given call, without timing anything.
 */
export class RoundTrips {
  private readonly waiting: Array<() => void> = [];
  /** Round trips answered so far (the one a call joins is `count + 1`). */
  count = 0;
  /** Calls answered in each round trip, in order. */
  readonly callsPerTrip: number[] = [];

  /** A call's answer, given when its round trip is answered. */
  answer<T>(value: T): Promise<T> {
    return new Promise<T>((settle) => {
      this.waiting.push(() => settle(value));
    });
  }

  /** Runs `work` to its end, answering the calls in flight together, one round trip at a time. */
  async drive<T>(work: Promise<T>): Promise<T> {
    let ended = false;
    void work.then(
      () => {
        ended = true;
      },
      () => {
        ended = true;
      },
    );
    while (!ended) {
      await new Promise((next) => setImmediate(next));
      const trip = this.waiting.splice(0);
      if (trip.length === 0) continue;
      this.count++;
      this.callsPerTrip.push(trip.length);
      for (const answer of trip) answer();
    }
    return work;
  }
}
