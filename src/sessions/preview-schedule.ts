import type { Caller } from '../access/caller.js';
import type { Preview, PreviewInput } from '../api/sessions.js';
import { toState } from '../api/state.js';
import { previewSchedule } from '../schedulers/schedule.js';
import type { SessionStore } from '../store/session-store.js';
import { resolveRangeTestReferences } from './range-test-references.js';
import { refusingAtRequestPaths } from './refusals.js';

/**
 * A schedule computed without storing anything: the numbers a session created now would
 * get, range-test references (to range tests the caller can see) resolved as of now. Throws
 * the core's refusals, at the request's paths, or a bad reference. It can take seconds:
 * previews/ runs it on a worker thread, with a read-only store of its own, never on the
 * event loop.
 */
export function computePreview(store: SessionStore, caller: Caller, input: PreviewInput): Preview {
  const { steps, reports } = input;
  const { param_groups, scheduler } = store.snapshot(() => resolveRangeTestReferences(store, caller, input));
  const stepReports = reports ?? Array.from({ length: steps ?? 0 }, () => ({}));
  const views = refusingAtRequestPaths(() => previewSchedule(scheduler, param_groups, stepReports), {
    report: ['reports'],
    bareSteps: reports === undefined,
  });
  return { points: views.map((view, k) => toState(k, view)) };
}
