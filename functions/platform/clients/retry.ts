/**
 * The retry settings every AWS client shares. Throttling is retried by the SDK with exponential
 * backoff and full jitter (standard mode), five attempts unless AWS_MAX_ATTEMPTS (the SDK's own
 * setting) says otherwise.
 *
 * Each client has its own module (`#platform/clients/<service>.ts`), created when a handler's code
 * first imports it: a handler's bundle reaches only the SDK packages its own calls need. Locally the
 * clients reach the stand-ins through the SDK's endpoint variables (AWS_ENDPOINT_URL...), so no
 * code here knows where it runs.
 */
export function retry() {
  // Read when each client is made, not when this module loads, so every client sees the variable
  // its function starts with.
  return { maxAttempts: Number(process.env.AWS_MAX_ATTEMPTS ?? 5), retryMode: 'standard' } as const;
}
