/**
 * Something loaded on first use (a module imported with `await import()`, an SDK client, the sales
 * roster) and kept for the container's life. Callers at the same time share one load; a load that
 * failed is not kept, so the next call tries again instead of failing for the container's life.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}
