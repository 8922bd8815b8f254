import * as z from '#catalogue/zod.ts';
import { Identifier } from './common.ts';
import { contactEventBase } from './contact-ref.ts';

const segmentChange = {
  ...contactEventBase,
  /** The segment's id (see workflows/segments). */
  segment: Identifier,
  /** The event whose profile change moved the contact, or the daily pass run. */
  causedBy: Identifier,
};

/** A contact entered a segment (published by relance, source relance.segments). */
export const SegmentEntered = z
  .object(segmentChange)
  .check(z.describe('A contact entered a segment (published by relance).'));
export type SegmentEntered = z.infer<typeof SegmentEntered>;

/** A contact left a segment (published by relance, source relance.segments). */
export const SegmentExited = z
  .object(segmentChange)
  .check(z.describe('A contact left a segment (published by relance).'));
export type SegmentExited = z.infer<typeof SegmentExited>;
