/**
 * The X-Ray tracer (Powertools Tracer). Every SDK client is created through `traced`, so each AWS
 * call is a subsegment of the function's trace (the functions and state machines have active
 * tracing in the template). Outside Lambda tracing is off and clients are returned as they are;
 * with POWERTOOLS_TRACE_ENABLED=false (the local runtime) this module is not even loaded
 * (./clients/lazy.ts).
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export const tracer = new Tracer({ serviceName: 'relance' });

/** The client, its calls traced as subsegments. */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
