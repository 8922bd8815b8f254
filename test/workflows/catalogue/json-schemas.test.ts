import { describe, expect, it } from 'vitest';
import { eventTypes } from '#catalogue/catalogue.ts';
import { renderSchemaFiles, staleSchemaFiles } from '../../../bin/generate-schemas.ts';

describe('docs/schemas', () => {
  it('is up to date with the zod schemas (run: npx tsx bin/generate-schemas.ts)', () => {
    expect(staleSchemaFiles()).toEqual([]);
  });

  it('has one draft 2020-12 schema per event type, with $id and title', () => {
    const files = renderSchemaFiles();
    expect([...files.keys()].sort()).toEqual(eventTypes.map((type) => `${type}.json`).sort());
    for (const type of eventTypes) {
      const schema: unknown = JSON.parse(files.get(`${type}.json`) ?? 'null');
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `urn:relance:events:${type}`,
        title: type,
        type: 'object',
      });
    }
  });
});
