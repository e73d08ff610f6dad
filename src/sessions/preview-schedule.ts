import type { Preview, PreviewInput } from '../api/sessions.js';
import { toState } from '../api/state.js';
import { previewSchedule } from '../schedulers/schedule.js';
import { refusingAtRequestPaths } from './refusals.js';

/** A schedule computed without storing anything. Throws the core's refusals, at the request's paths. */
export function computePreview({ param_groups, scheduler, steps, reports }: PreviewInput): Preview {
  const stepReports = reports ?? Array.from({ length: steps ?? 0 }, () => ({}));
  const views = refusingAtRequestPaths(() => previewSchedule(scheduler, param_groups, stepReports), {
    report: ['reports'],
    bareSteps: reports === undefined,
  });
  return { points: views.map((view, k) => toState(k, view)) };
}
