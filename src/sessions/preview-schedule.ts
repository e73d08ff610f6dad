import type { Preview, PreviewInput } from '../api/sessions.js';
import { toState } from '../api/state.js';
import { previewSchedule } from '../schedulers/schedule.js';
import type { SessionStore } from '../store/session-store.js';
import { namesRangeTest, resolveRangeTestReferences, type ResolvedSchedule } from './range-test-references.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * A schedule computed without storing anything: the numbers a session created now would
 * get, range-test references resolved as of now. Throws the core's refusals, at the
 * request's paths, or a bad reference.
 */
export async function computePreview(store: SessionStore, input: PreviewInput): Promise<Preview> {
  const { steps, reports } = input;
  // Only a preview naming a range test reads the database: the others answer while it is
  // down. Naming none, the request is what the core takes as it is.
  const { param_groups, scheduler }: ResolvedSchedule = namesRangeTest(input)
    ? await store.snapshot((reads) => resolveRangeTestReferences(reads, input))
    : (input as ResolvedSchedule);
  const stepReports = reports ?? Array.from({ length: steps ?? 0 }, () => ({}));
  const views = refusingAtRequestPaths(() => previewSchedule(scheduler, param_groups, stepReports), {
    report: ['reports'],
    bareSteps: reports === undefined,
  });
  return { points: views.map((view, k) => toState(k, view)) };
}
