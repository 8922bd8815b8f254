/**
 * SMS segmentation per GSM 03.38 / 3GPP TS 23.038: a message in the GSM-7 alphabet fits 160
 * characters in one part (153 per part when concatenated, the rest is the UDH header); anything
 * outside it (an emoji, most accented capitals, CJK) switches the whole message to UCS-2: 70 code
 * units in one part, 67 per part when concatenated. Extension characters cost two septets.
 */

const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_EXTENSION = '^{}\\[~]|€\f';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentation {
  readonly encoding: SmsEncoding;
  /** Septets for GSM-7, UTF-16 code units for UCS-2. */
  readonly units: number;
  readonly parts: number;
  /** The first character that forced UCS-2, to tell a marketer what to change. */
  readonly offendingCharacter?: string;
}

/** How a text is encoded and how many SMS parts it takes. */
export function segmentSms(text: string): SmsSegmentation {
  let septets = 0;
  for (const char of text) {
    if (basic.has(char)) septets += 1;
    else if (extension.has(char)) septets += 2;
    else {
      const units = text.length; // String length counts UTF-16 code units, which is what UCS-2 bills.
      return { encoding: 'UCS-2', units, parts: partsFor(units, 70, 67), offendingCharacter: char };
    }
  }
  return { encoding: 'GSM-7', units: septets, parts: partsFor(septets, 160, 153) };
}

function partsFor(units: number, single: number, perPart: number): number {
  if (units === 0) return 1;
  return units <= single ? 1 : Math.ceil(units / perPart);
}
