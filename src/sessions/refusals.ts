import { InvalidConfig, InvalidReport, StepRefused, WorkLimitExceeded, type FieldPath } from '../schedulers/errors.js';

/** Where the parts of a request the core refused sit in it. */
export interface RefusalContext {
  /** Where the scheduler config sits in the request (default `scheduler`). */
  readonly config?: FieldPath;
  /** Where the step report sits in the request. */
  readonly report?: FieldPath;
  /** A preview by `steps` count: a report problem is then the absence of `reports`. */
  readonly bareSteps?: boolean;
}

/**
 * The core's refusal with its path as the client wrote the request
 * (`scheduler.schedulers.1.gamma`, `reports.41.metric`); anything else unchanged.
 */
function asRequestRefusal(error: unknown, where: RefusalContext): unknown {
  const config = where.config ?? ['scheduler'];
  if (error instanceof InvalidReport && where.bareSteps) {
    return new InvalidReport(['steps'], `${error.message}; send reports instead of steps`);
  }
  if (error instanceof InvalidReport) return new InvalidReport([...(where.report ?? []), ...error.path], error.message);
  if (error instanceof InvalidConfig) return error.under(...config);
  if (error instanceof StepRefused || error instanceof WorkLimitExceeded) return error.under(...config);
  return error;
}

/** Runs core work, rethrowing its refusals with the request's field paths. */
export function refusingAtRequestPaths<T>(work: () => T, where: RefusalContext = {}): T {
  try {
    return work();
  } catch (error) {
    throw asRequestRefusal(error, where);
  }
}
