/**
 * Runs first in every local Lambda sandbox, bundled ahead of the handler module: the handler sees
 * the runtime's clock (virtual in tests, scaled in `relance dev`) through functions/platform/clock.ts,
 * read from the memory the runtime shares with the sandbox.
 */
import { workerData } from 'node:worker_threads';
import { useClock } from '#platform/clock.ts';
import { sharedClock } from '../aws/clock.ts';

const shared = (workerData as { bootstrap?: { clock?: SharedArrayBuffer } } | null)?.bootstrap?.clock;
if (shared) useClock(sharedClock(shared));
