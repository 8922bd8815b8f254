/**
 * The journey versions the runtime knows: the deployed version of each journey (the journeys and
 * templates of this bundle) and every earlier version recorded in workflows/versions/ (through
 * recorded.ts when run from the sources; given to deployed code as a constant when it is bundled).
 * The step function and the event router read a run's steps here by the version the run records;
 * the CDK app compiles the same earlier versions into each journey's state machine. The local runtime points both at the versions its cloud assembly was built with (a file
 * next to the templates), so what runs locally is what that synth deploys.
 */
import type { MessageTemplate } from '#language/template.ts';
import type { JourneyDefinition } from '#language/types.ts';
import { type JourneyVersion, journeyVersion } from '#language/versions.ts';
import { journeys } from '../journeys/index.ts';
import { templates } from '../templates/index.ts';
import { deployedCatalog } from './deployed.ts';
import { recordedVersions } from './recorded.ts';

/** The file a local cloud assembly keeps its journey versions in. */
export const JOURNEY_VERSIONS_FILE = 'relance-journeys.json';

/** The versions of every journey: the deployed one of each, and the earlier ones runs may be on. */
export interface JourneyCatalog {
  /** The deployed version of each journey. */
  readonly current: readonly JourneyVersion[];
  /** Earlier versions (never a deployed one), most recent first per journey. */
  readonly earlier: readonly JourneyVersion[];
}

/** The document the catalog is written as (the local cloud assembly's journey versions file). */
export type CatalogDocument = JourneyCatalog;

/**
 * A catalog from the deployed definitions and the recorded versions (the deployed ones left out of
 * `earlier`). `knownVersions` (journey id -> version) are the definitions' versions when they were
 * computed before from the same definitions and templates: taken as they are.
 */
export function buildCatalog(
  definitions: readonly JourneyDefinition[],
  templateMap: ReadonlyMap<string, MessageTemplate>,
  recorded: readonly (JourneyVersion & { seq?: number })[],
  knownVersions: Readonly<Record<string, string>> = {},
): JourneyCatalog {
  const current = definitions.map((definition) =>
    journeyVersion(
      definition,
      templateMap,
      Object.hasOwn(knownVersions, definition.id) ? knownVersions[definition.id] : undefined,
    ),
  );
  const deployed = new Set(current.map((v) => `${v.journeyId}@${v.version}`));
  const seen = new Set<string>();
  const earlier = [...recorded]
    // By code unit, not localeCompare: the same order for journey ids ([a-z][a-z0-9-]*), without
    // loading ICU's collation data (~8 ms of a cold start).
    .sort((a, b) => compareCodeUnits(a.journeyId, b.journeyId) || (b.seq ?? 0) - (a.seq ?? 0))
    .filter((v) => {
      const key = `${v.journeyId}@${v.version}`;
      if (deployed.has(key) || seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ journeyId, version, definition, templates: used }) => ({
      journeyId,
      version,
      definition,
      templates: used,
    }));
  return { current, earlier };
}

const compareCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Lookups over a catalog (given, or read from its source on each lookup and re-indexed when it changes). */
export class JourneyVersions {
  private indexed?: {
    readonly catalog: JourneyCatalog;
    readonly currentById: Map<string, JourneyVersion>;
    readonly byVersion: Map<string, JourneyVersion>;
  };

  constructor(private readonly source: JourneyCatalog | (() => JourneyCatalog)) {}

  private index() {
    const catalog = typeof this.source === 'function' ? this.source() : this.source;
    if (this.indexed?.catalog !== catalog) {
      this.indexed = {
        catalog,
        currentById: new Map(catalog.current.map((v) => [v.journeyId, v])),
        byVersion: new Map(
          [...catalog.earlier, ...catalog.current].map((v) => [`${v.journeyId}@${v.version}`, v]),
        ),
      };
    }
    return this.indexed;
  }

  get catalog(): JourneyCatalog {
    return this.index().catalog;
  }

  /** The deployed version of a journey. */
  current(journeyId: string): JourneyVersion | undefined {
    return this.index().currentById.get(journeyId);
  }

  /** A version of a journey, deployed or earlier. */
  find(journeyId: string, version: string): JourneyVersion | undefined {
    return this.index().byVersion.get(`${journeyId}@${version}`);
  }

  /** The earlier versions of a journey, most recent first. */
  earlier(journeyId: string): JourneyVersion[] {
    return this.catalog.earlier.filter((v) => v.journeyId === journeyId);
  }

  /** The ids of the deployed journeys. */
  journeyIds(): string[] {
    return this.catalog.current.map((v) => v.journeyId);
  }

  /** The deployed definitions. */
  definitions(): JourneyDefinition[] {
    return this.catalog.current.map((v) => v.definition);
  }
}

/**
 * Defined (true) in deployed code, with the two values below: what the catalog of this bundle is,
 * computed when it was bundled from the same sources (esbuild's `define`,
 * lib/stateless/function-bundle.ts); not defined when running from the sources. Hashing every
 * journey with its templates took about 15 ms of each cold start of the functions that run
 * journeys, and the recorded versions (which the bundled catalog does not import) hold a copy of
 * every deployed journey and its templates.
 */
declare const RELANCE_BUNDLED_CATALOG: boolean | undefined;
/** The version of each journey of this bundle. */
declare const RELANCE_BUNDLED_JOURNEY_VERSIONS: Readonly<Record<string, string>> | undefined;
/** The earlier versions runs may be on: the recorded ones less those of this bundle's journeys. */
declare const RELANCE_BUNDLED_EARLIER_VERSIONS: readonly JourneyVersion[] | undefined;

let bundled: JourneyCatalog | undefined;
/** The catalog of this bundle: its journeys and templates, and the versions recorded with it. */
export function bundledCatalog(): JourneyCatalog {
  bundled ??=
    typeof RELANCE_BUNDLED_CATALOG !== 'undefined' && RELANCE_BUNDLED_CATALOG
      ? buildCatalog(
          journeys,
          templates,
          RELANCE_BUNDLED_EARLIER_VERSIONS ?? [],
          RELANCE_BUNDLED_JOURNEY_VERSIONS ?? {},
        )
      : buildCatalog(journeys, templates, recordedVersions);
  return bundled;
}

/**
 * The versions this bundle runs: the catalog its deployment was synthesized with when one is bundled
 * (the local runtime bundles its cloud assembly's), else this bundle's journeys and recorded versions.
 */
export function deployedJourneyVersions(): JourneyVersions {
  return new JourneyVersions(deployedCatalog ?? bundledCatalog());
}
