import type { Preview, PreviewInput } from '../api/sessions.js';
import { toState } from '../api/state.js';
import { previewSchedule } from '../schedulers/schedule.js';
import { resolveRangeTestReferences, type RangeTestLookups } from './range-test-references.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * A schedule computed without storing anything: the numbers a session created now would
 * get, range-test references (to range tests the caller can see) resolved as of now
 * through `lookUp`, which only a preview naming one calls: the others answer while the
 * database is down. Throws the core's refusals, at the request's paths, or a bad
 * reference. It can take seconds: previews/ runs it on a worker thread, never on the
 * event loop, and the worker asks the event loop's thread for the range tests it names.
 */
export async function computePreview(lookUp: RangeTestLookups, input: PreviewInput): Promise<Preview> {
  const { steps, reports } = input;
  const { param_groups, scheduler } = await resolveRangeTestReferences(lookUp, input);
  const stepReports = reports ?? Array.from({ length: steps ?? 0 }, () => ({}));
  const views = refusingAtRequestPaths(() => previewSchedule(scheduler, param_groups, stepReports), {
    report: ['reports'],
    bareSteps: reports === undefined,
  });
  return { points: views.map((view, k) => toState(k, view)) };
}
