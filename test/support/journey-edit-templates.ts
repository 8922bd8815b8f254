// The templates deployed before and after the edits of journey-edits.ts, for the in-process synth.
import { templates } from '../../workflows/templates/index.ts';
import { withTips } from './journey-edits.ts';

export const templatesBefore = withTips(templates, 'before');
export const templatesAfter = withTips(templates, 'after');
