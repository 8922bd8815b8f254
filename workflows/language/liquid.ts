/**
 * The Liquid engine with relance's filters, and the static analysis of a template's variables.
 * Apart from ./template.ts so a function loads Liquid (80 KB, ~10 ms to evaluate) with its first
 * render (functions/delivery/rendering.ts imports this module on demand), not at every cold start.
 */
import { Liquid } from 'liquidjs';
import { localTimeFilter, moneyFilter } from './template.ts';

export { UndefinedVariableError } from 'liquidjs';

/** A Liquid engine with relance's filters. */
export function relanceLiquid(options: ConstructorParameters<typeof Liquid>[0]): Liquid {
  const engine = new Liquid(options);
  engine.registerFilter('local_time', localTimeFilter);
  engine.registerFilter('money', moneyFilter);
  return engine;
}

// Made on first use: making an engine reads the runtime's Intl locale (a cost at cold start).
let analyserEngine: Liquid | undefined;
const analyser = () => (analyserEngine ??= relanceLiquid({ strictFilters: true }));

/**
 * The global variable paths a Liquid source reads (`contact.firstName`, `trigger.items`), or the
 * parse error. Loop-local names (`item.name` in `for item in trigger.items`) are not globals.
 */
export function templateVariables(source: string): { paths: string[] } | { error: string } {
  try {
    const parsed = analyser().parse(source);
    return {
      paths: analyser()
        .globalVariableSegmentsSync(parsed)
        .map((segments) => segments.join('.')),
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
