/** What an SDK client throws for a service error, as far as these tests look at it. */
export interface ServiceFailure extends Error {
  $metadata: { httpStatusCode?: number; attempts?: number };
}

/** Await a call that must fail and return its error, typed; fails the test if the call succeeds. */
export async function rejection(call: Promise<unknown>): Promise<ServiceFailure> {
  try {
    await call;
  } catch (err) {
    if (err instanceof Error && '$metadata' in err) return err as ServiceFailure;
    throw err;
  }
  throw new Error('Expected the call to fail, but it succeeded');
}
