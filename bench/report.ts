/** What a benchmark reports, and how the figures are printed: small aligned tables, never a verdict. */

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** Per column; the first column is left-aligned and the others right-aligned unless said here. */
  readonly align?: ReadonlyArray<'left' | 'right'>;
  /** What the figures mean and how they were measured. */
  readonly notes?: readonly string[];
}

/** The table as lines, columns aligned (figures to the right by default). */
export function formatTable(table: Table): string[] {
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        (table.align?.[i] ?? (i === 0 ? 'left' : 'right')) === 'left'
          ? cell.padEnd(widths[i] ?? 0)
          : cell.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    table.title,
    `  ${line(table.columns)}`,
    `  ${widths.map((w) => '─'.repeat(w)).join('  ')}`,
    ...table.rows.map((row) => `  ${line(row)}`),
    ...(table.notes ?? []).map((note) => `  · ${note}`),
  ];
}

/** The nearest-rank percentile (0-100) of values sorted in ascending order. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export const milliseconds = (ms: number) =>
  Number.isNaN(ms) ? '—' : ms < 10 ? ms.toFixed(1) : ms.toFixed(0);
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const count = (n: number) => n.toLocaleString('en-US');
export const rate = (items: number, ms: number) => count(Math.round(items / (ms / 1000)));
export const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MB`;

/** The settings of a `npm run bench` run, passed to each benchmark process. */
export interface BenchOptions {
  readonly leads: number;
  readonly inFlight: number;
  readonly contacts: number;
  readonly seed: number;
  /** Sign-ups: length of the throughput phase, producers in it, the latency phase's rate and length. */
  readonly signupSeconds: number;
  readonly signupsInFlight: number;
  readonly eventRate: number;
  readonly latencySeconds: number;
  /** The instant the benchmarks run at (virtual clock, segment evaluation). */
  readonly nowMs: number;
}

/** What a benchmark process sends back. */
export type ChildMessage = { readonly tables: Table[] } | { readonly error: string };

/** A figure's verdict against its target. */
export const verdict = (met: boolean) => (met ? 'pass' : 'FAIL');
