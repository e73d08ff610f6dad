import { ProblemError } from '../api/problem.js';
import { limitNamedIn } from '../limits.js';
import { InvalidConfig, InvalidReport, StepRefused, WorkLimitExceeded, type FieldPath } from '../schedulers/errors.js';

const dotted = (path: FieldPath): string => path.join('.');

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
 * Turns the core's refusals into problem answers, with the field path as the client
 * wrote it (`scheduler.schedulers.1.gamma`, `reports.41.metric`).
 */
export function asProblem(error: unknown, where: RefusalContext = {}): unknown {
  if (error instanceof InvalidReport && where.bareSteps) {
    const message = `${error.message}; send reports instead of steps`;
    return new ProblemError(400, `steps: ${message}`, { errors: [{ path: 'steps', message }] });
  }
  if (error instanceof InvalidConfig || error instanceof InvalidReport) {
    const at = error instanceof InvalidConfig ? (where.config ?? ['scheduler']) : (where.report ?? []);
    const path = dotted([...at, ...error.path]);
    const limit = limitNamedIn(error.message);
    return new ProblemError(400, `${path}: ${error.message}`, {
      errors: [{ path, message: error.message }],
      ...(limit ? { limit } : {}),
    });
  }
  if (error instanceof WorkLimitExceeded) {
    const path = dotted([...(where.config ?? ['scheduler']), ...error.path]);
    return new ProblemError(422, `${path}: ${error.message}`, {
      errors: [{ path, message: error.message }],
      limit: error.limit,
    });
  }
  if (error instanceof StepRefused) {
    if (error.field.length === 0) return new ProblemError(422, error.message);
    const path = dotted([...(where.config ?? ['scheduler']), ...error.field]);
    return new ProblemError(422, error.message, { errors: [{ path, message: error.message }] });
  }
  return error;
}

/** Runs core work, rethrowing its refusals as problems. */
export function refusingAsProblem<T>(work: () => T, where?: RefusalContext): T {
  try {
    return work();
  } catch (error) {
    throw asProblem(error, where);
  }
}
