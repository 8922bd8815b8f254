// The version registry on disk: one file per version, numbered per journey, and the module that
// bundles them, regenerated with them and never out of step with the files.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { journeyVersion, versionOf } from '#language/versions.ts';
import { buildCatalog } from '../../workflows/versions/index.ts';
import {
  REGISTRY_DIR,
  readRegistry,
  recordVersions,
  registryIndex,
} from '../../workflows/versions/registry.ts';
import { edited, original, templatesAfter, templatesBefore } from '../support/journey-edits.ts';

describe('recordVersions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'relance-registry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records each new version once, numbered per journey, and regenerates the index', () => {
    // Prepare
    const v1 = journeyVersion(original('rename', 'migrate'), templatesBefore);
    const v2 = journeyVersion(edited('rename', 'migrate'), templatesAfter);

    // Act
    const first = recordVersions(dir, [v1], { now: '2026-03-01T00:00:00.000Z', index: true });
    const again = recordVersions(dir, [v1], { now: '2026-03-02T00:00:00.000Z', index: true });
    const second = recordVersions(dir, [v2], { now: '2026-03-03T00:00:00.000Z', index: true });

    // Assess
    expect(first.map((v) => [v.version, v.seq])).toEqual([[v1.version, 1]]);
    expect(again).toEqual([]);
    expect(second.map((v) => [v.version, v.seq])).toEqual([[v2.version, 2]]);
    expect(readRegistry(dir).map((v) => v.version)).toEqual([v1.version, v2.version]);
    const index = readFileSync(join(dir, 'recorded.ts'), 'utf8');
    expect(index).toContain(`import edit_rename_migrate_2 from './edit-rename-migrate/${v2.version}.json'`);
    // Written beside and renamed over: nothing half-written is left for a kill to leave behind.
    expect(
      readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.next')),
    ).toEqual([]);
  });

  it('reads past what a write killed midway leaves, and names a version file it cannot read', () => {
    // Prepare: the file a killed write leaves beside a version, then a version file cut short.
    const v1 = journeyVersion(original('rename', 'migrate'), templatesBefore);
    const own = mkdtempSync(join(tmpdir(), 'relance-registry-'));
    try {
      recordVersions(own, [v1], { now: '2026-03-01T00:00:00.000Z' });
      const file = join(own, v1.journeyId, `${v1.version}.json`);
      writeFileSync(`${file}.next`, '{"journeyId":');
      expect(readRegistry(own).map((v) => v.version)).toEqual([v1.version]);
      writeFileSync(file, '');

      // Act, Assess
      expect(() => readRegistry(own)).toThrow(`${file} cannot be read: Unexpected end of JSON input`);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});

describe('the repository’s registry', () => {
  const recorded = readRegistry(REGISTRY_DIR);

  it('bundles exactly its files (recorded.ts is regenerated with them)', () => {
    expect(readFileSync(join(REGISTRY_DIR, 'recorded.ts'), 'utf8')).toBe(
      registryIndex(REGISTRY_DIR, recorded),
    );
  });

  it('holds each version under the hash of its own content', () => {
    expect(recorded.length).toBeGreaterThan(0);
    for (const version of recorded) {
      expect(versionOf(version.definition, version.templates), version.journeyId).toBe(version.version);
    }
  });
});

describe('buildCatalog', () => {
  it('takes the versions computed when the code was bundled as they are, and hashes the journeys it is not given', () => {
    // Prepare
    const welcome = original('rename', 'migrate');
    const hashed = journeyVersion(welcome, templatesBefore);
    const other = { ...welcome, id: 'other-journey' };

    // Act: a deployed bundle gives the versions its synth computed (a made-up one here, to see it taken).
    const given = buildCatalog([welcome, other], templatesBefore, [], { [welcome.id]: 'aaaaaaaaaaaa' });
    const computed = buildCatalog([welcome, other], templatesBefore, []);

    // Assess
    expect(given.current.map((v) => v.version)).toEqual(['aaaaaaaaaaaa', computed.current[1]?.version]);
    expect(given.current[0]?.templates).toEqual(hashed.templates);
    expect(computed.current[0]?.version).toBe(hashed.version);
    // The id is an own key: a journey named like an Object.prototype member is hashed.
    const proto = { ...welcome, id: 'toString' };
    expect(buildCatalog([proto], templatesBefore, []).current[0]?.version).toMatch(/^[0-9a-f]{12}$/);
  });
});
