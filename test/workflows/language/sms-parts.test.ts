// SMS segmentation (GSM 03.38): 160 septets in one part, 153 per concatenated part; UCS-2 70 / 67.
import { describe, expect, it } from 'vitest';
import { segmentSms } from '#language/sms-parts.ts';

const EMOJI = '😀'; // Outside the BMP: two UTF-16 code units.

describe('segmentSms: GSM-7', () => {
  it.each([
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
  ])('puts %i plain characters in %i part(s)', (length, parts) => {
    // Act
    const result = segmentSms('a'.repeat(length));

    // Assess
    expect(result).toEqual({ encoding: 'GSM-7', units: length, parts });
  });

  it('counts an empty message as one part', () => {
    // Assess
    expect(segmentSms('')).toEqual({ encoding: 'GSM-7', units: 0, parts: 1 });
  });

  it.each(['€', '{', '}', '[', ']', '~', '^', '|', '\\'])(
    'counts the extension character "%s" as two septets',
    (char) => {
      // Act
      const result = segmentSms(`ab${char}`);

      // Assess
      expect(result).toEqual({ encoding: 'GSM-7', units: 4, parts: 1 });
    },
  );

  it('fits 80 euro signs (160 septets) in one part, 81 take two', () => {
    // Act
    const fits = segmentSms('€'.repeat(80));
    const over = segmentSms('€'.repeat(81));

    // Assess
    expect(fits).toEqual({ encoding: 'GSM-7', units: 160, parts: 1 });
    expect(over).toEqual({ encoding: 'GSM-7', units: 162, parts: 2 });
  });

  it('pushes 159 characters plus one extension character into a second part', () => {
    // Act
    const result = segmentSms(`${'a'.repeat(159)}€`);

    // Assess
    expect(result.parts).toBe(2);
    expect(result.units).toBe(161);
  });

  it('keeps GSM-7 for the accented letters and Greek capitals of the basic table', () => {
    // Act
    const result = segmentSms('Bonjour à été Ñ ü £ Ω ¿?');

    // Assess
    expect(result.encoding).toBe('GSM-7');
    expect(result.offendingCharacter).toBeUndefined();
  });
});

describe('segmentSms: UCS-2', () => {
  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('puts %i UTF-16 code units with an emoji in %i part(s)', (units, parts) => {
    // Prepare: the emoji is two code units.
    const text = `${EMOJI}${'a'.repeat(units - 2)}`;

    // Act
    const result = segmentSms(text);

    // Assess
    expect(result).toEqual({ encoding: 'UCS-2', units, parts, offendingCharacter: EMOJI });
  });

  it('switches the whole message to UCS-2 and names the first offending character', () => {
    // Act
    const result = segmentSms(`${'a'.repeat(100)}Ą${EMOJI}`);

    // Assess
    expect(result).toEqual({ encoding: 'UCS-2', units: 103, parts: 2, offendingCharacter: 'Ą' });
  });
});
