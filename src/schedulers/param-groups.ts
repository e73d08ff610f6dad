import { z } from 'zod';
import { finiteNumber } from './config-fields.js';
import { InvalidConfig } from './errors.js';

const written = (what: string) =>
  finiteNumber
    .optional()
    .describe(`${what}; written into the group by schedulers, given back to resume from a state_dict`);

/** What a client may send for one group when creating a session. */
export const paramGroupInput = z
  .strictObject({
    // A schedule may take an lr below 0 (a negative gamma), and a state_dict may carry it on;
    // only a fresh optimizer refuses one (see api/sessions.ts).
    lr: finiteNumber.describe('Learning rate of the group (>= 0, unless resuming from a state_dict)'),
    momentum: finiteNumber.optional().describe('SGD-style momentum; cycled by CyclicLR and OneCycleLR'),
    betas: z
      .tuple([finiteNumber, finiteNumber])
      .optional()
      .describe('Adam-style betas; beta1 is cycled instead of momentum when present'),
    initial_lr: written('The lr schedules start from (base_lrs)'),
    max_lr: written("OneCycleLR's peak lr"),
    min_lr: written("OneCycleLR's final lr"),
    max_momentum: written('Upper momentum of CyclicLR and OneCycleLR'),
    base_momentum: written('Lower momentum of CyclicLR and OneCycleLR'),
  })
  .describe('One optimizer param group, as in torch.optim');

export type ParamGroupInput = z.infer<typeof paramGroupInput>;

/**
 * An optimizer param group as PyTorch schedulers see it: the keys a client sends,
 * including those schedulers write into the group and read back on later steps
 * (PyTorch keeps `initial_lr`, OneCycleLR's `max_lr`/`min_lr`, ... in the group, not
 * in the scheduler). Schedulers take groups in and hand new groups out, never changing one.
 */
export type ParamGroup = { readonly [K in keyof ParamGroupInput]: ReadonlyTuple<ParamGroupInput[K]> };

// Distributes over `| undefined`, so the optional betas become a readonly tuple.
type ReadonlyTuple<T> = T extends readonly unknown[] ? Readonly<T> : T;

/** Adam-style groups cycle beta1, the others momentum (SGD's default momentum is 0). */
export function momentumOf(group: ParamGroup): number {
  return group.betas ? group.betas[0] : (group.momentum ?? 0);
}

export function withMomentum(group: ParamGroup, momentum: number): ParamGroup {
  return group.betas
    ? { ...group, betas: [momentum, group.betas[1]] }
    : { ...group, momentum };
}

export function withLrs(groups: readonly ParamGroup[], lrs: readonly number[]): ParamGroup[] {
  return groups.map((group, i) => ({ ...group, lr: lrs[i] ?? group.lr }));
}

export function lrsOf(groups: readonly ParamGroup[]): number[] {
  return groups.map((group) => group.lr);
}

/**
 * A scalar-or-list argument (`min_lr`, `max_lr`, ...) resolved to one value per group,
 * refusing a list of the wrong length as PyTorch does.
 */
export function perGroup<T>(field: string, value: T | readonly T[], groupCount: number): T[] {
  if (!Array.isArray(value)) return Array.from({ length: groupCount }, () => value as T);
  if (value.length !== groupCount) {
    throw new InvalidConfig([field], `expected ${groupCount} values (one per param group), got ${value.length}`);
  }
  return [...value];
}
