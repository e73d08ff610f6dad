/**
 * The ways the scheduler core refuses work. The HTTP layer maps them to 400 (config,
 * report) and 422 (step, work limit), keeping the core free of HTTP.
 */

export type FieldPath = readonly (string | number)[];

/** A configuration PyTorch's constructor would refuse, or one that could never step. */
export class InvalidConfig extends Error {
  constructor(
    readonly path: FieldPath,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidConfig';
  }

  /** The same error seen from one level up, e.g. from inside `schedulers[1]`. */
  under(...prefix: FieldPath): InvalidConfig {
    return new InvalidConfig([...prefix, ...this.path], this.message);
  }
}

/** A step report this scheduler cannot take as written (a missing metric, an epoch it has no use for). */
export class InvalidReport extends Error {
  constructor(
    readonly path: FieldPath,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidReport';
  }
}

/** A well-formed step that PyTorch would raise on (OneCycleLR past its end, a non-finite lr_lambda). */
export class StepRefused extends Error {
  constructor(
    message: string,
    /** The config field whose value makes the step impossible, so a constructor's own step can name it. */
    readonly field: FieldPath = [],
  ) {
    super(message);
    this.name = 'StepRefused';
  }

  /** The same refusal seen from one level up, e.g. from inside `schedulers[1]`. */
  under(...prefix: FieldPath): StepRefused {
    return new StepRefused(this.message, this.field.length > 0 ? [...prefix, ...this.field] : []);
  }
}

/**
 * Work beyond a limit of the request (an expression's big-integer work beyond
 * MAX_BIGINT_WORK): not the config's fault as PyTorch sees it, so a construction does not
 * turn it into InvalidConfig. `path` names the config field whose work ran over.
 */
export class WorkLimitExceeded extends Error {
  constructor(
    readonly path: FieldPath,
    message: string,
    /** The limit's name in src/limits.ts. */
    readonly limit: string,
  ) {
    super(message);
    this.name = 'WorkLimitExceeded';
  }

  under(...prefix: FieldPath): WorkLimitExceeded {
    return new WorkLimitExceeded([...prefix, ...this.path], this.message, this.limit);
  }

  /** The same, said of step `step` of a preview. */
  atStep(step: number): WorkLimitExceeded {
    return new WorkLimitExceeded(this.path, `step ${step}: ${this.message}`, this.limit);
  }
}
