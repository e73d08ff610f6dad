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
 * writing its definition and listing it here; nothing else changes. Composites reach the
 * configs they nest through `nested`.
 */
function definitionsNesting(nested: NestedSchedulers): readonly SchedulerDefinition[] {
  return [
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
}

/** A config schema of one type as a member of the union: its arguments plus `type`, named `id`. */
function member(type: string, config: z.ZodObject, id: string): z.ZodObject {
  return config
    .extend({ type: z.literal(type).describe('PyTorch class name') })
    .meta({ id, description: `torch.optim.lr_scheduler.${type} arguments` });
}

const DESCRIPTION = 'A torch.optim.lr_scheduler class by name, with its arguments';

function configUnion(members: readonly z.ZodObject[]) {
  return z.discriminatedUnion('type', members as [z.ZodObject, ...z.ZodObject[]], {
    error: () => `unknown scheduler type; expected one of ${SCHEDULER_TYPES.join(', ')}`,
  });
}

// Composites nest configs of any type, so the config schema refers to itself lazily.
export const schedulerConfig = z
  .lazy(() => coreUnion)
  .meta({ id: 'SchedulerConfig', description: DESCRIPTION }) as unknown as z.ZodType<SchedulerConfig>;

const definitions = definitionsNesting({ config: schedulerConfig, definitionOf });

const coreMembers = new Map(
  definitions.map((d) => [d.type, member(d.type, d.config as z.ZodObject, d.type)] as const),
);
const coreUnion = configUnion([...coreMembers.values()]);

const byType = new Map(definitions.map((definition) => [definition.type, definition]));

export const SCHEDULER_TYPES: readonly string[] = definitions.map((d) => d.type);

export function definitionOf(type: string): SchedulerDefinition {
  const definition = byType.get(type);
  if (!definition) throw new Error(`no scheduler definition for type ${type}`);
  return definition;
}

/**
 * The config schema with some arguments widened to accept what a caller resolves to numbers
 * before the core sees a config (the API's range-test references). `widen` answers a type's
 * config with its arguments widened, or undefined to keep the core's. The widened types, the
 * composites nesting them and the union take the core's names plus `suffix`, so both versions
 * can appear in one OpenAPI document.
 */
export function widenedSchedulerConfig<C extends SchedulerConfig>(
  suffix: string,
  widen: (config: z.ZodObject) => z.ZodObject | undefined,
): z.ZodType<C> {
  const self = z
    .lazy(() => union)
    .meta({ id: `SchedulerConfig${suffix}`, description: DESCRIPTION }) as unknown as z.ZodType<C>;
  // Composites built on `self` nest the widened union, so they are always widened themselves.
  const members = definitionsNesting({ config: self, definitionOf }).map((definition) => {
    const config = definition.config as z.ZodObject;
    const widened = definition.composite ? config : widen(config);
    return widened === undefined
      ? (coreMembers.get(definition.type) as z.ZodObject)
      : member(definition.type, widened, `${definition.type}${suffix}`);
  });
  const union = configUnion(members);
  return self;
}
