import { z } from 'zod';
import { chainedScheduler } from './chained-scheduler.js';
import { constantLR } from './constant-lr.js';
import { cosineAnnealingLR } from './cosine-annealing-lr.js';
import { cosineAnnealingWarmRestarts } from './cosine-annealing-warm-restarts.js';
import { cyclicLR } from './cyclic-lr.js';
import type { NestedSchedulers, SchedulerConfig, SchedulerDefinition } from './definition.js';
import { exponentialLR } from './exponential-lr.js';
import { lambdaLR } from './lambda-lr.js';
import { linearLR } from './linear-lr.js';
import { lrRangeTest } from './lr-range-test.js';
import { multiStepLR } from './multi-step-lr.js';
import { multiplicativeLR } from './multiplicative-lr.js';
import { oneCycleLR } from './one-cycle-lr.js';
import { polynomialLR } from './polynomial-lr.js';
import { reduceLROnPlateau } from './reduce-lr-on-plateau.js';
import { sequentialLR } from './sequential-lr.js';
import { stepLR } from './step-lr.js';

/**
 * Every scheduler type the service knows, by PyTorch class name. Adding a type means
 * writing its definition and listing it here; nothing else changes.
 */

// Composites nest configs of any type, so the config schema refers to itself lazily.
export const schedulerConfig = z
  .lazy(() => configUnion)
  .meta({ id: 'SchedulerConfig', description: 'A torch.optim.lr_scheduler class by name, with its arguments' }) as unknown as z.ZodType<SchedulerConfig>;

const nested: NestedSchedulers = { config: schedulerConfig, definitionOf };

const definitions: readonly SchedulerDefinition[] = [
  stepLR,
  multiStepLR,
  exponentialLR,
  cosineAnnealingLR,
  reduceLROnPlateau,
  lambdaLR,
  multiplicativeLR,
  constantLR,
  linearLR,
  polynomialLR,
  cosineAnnealingWarmRestarts,
  cyclicLR,
  oneCycleLR,
  sequentialLR(nested),
  chainedScheduler(nested),
  lrRangeTest,
];

const byType = new Map(definitions.map((definition) => [definition.type, definition]));

export const SCHEDULER_TYPES: readonly string[] = definitions.map((d) => d.type);

const configUnion = z.discriminatedUnion(
  'type',
  definitions.map((d) =>
    (d.config as z.ZodObject)
      .extend({ type: z.literal(d.type).describe('PyTorch class name') })
      .meta({ id: d.type, description: `torch.optim.lr_scheduler.${d.type} arguments` }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
  { error: () => `unknown scheduler type; expected one of ${SCHEDULER_TYPES.join(', ')}` },
);

export function definitionOf(type: string): SchedulerDefinition {
  const definition = byType.get(type);
  if (!definition) throw new Error(`no scheduler definition for type ${type}`);
  return definition;
}
