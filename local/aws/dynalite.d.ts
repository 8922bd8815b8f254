// dynalite ships no types: the factory returns a Node HTTP server speaking the DynamoDB API. The
// local runtime calls dynalite's store and actions in process instead (./dynalite-engine.ts); the
// factory serves the test that compares the two.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}
