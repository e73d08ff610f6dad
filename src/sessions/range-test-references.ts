import type { Caller } from '../access/caller.js';
import { RULES, type Rule } from '../range-test/suggestions.js';
import type { FieldPath } from '../schedulers/errors.js';
import type { SessionStore } from '../store/session-store.js';
import { canonicalJson } from './canonical-json.js';
import { InvalidInput, NotARangeTest, NotEnoughRangeTestPoints, SessionNotFound } from './errors.js';
import { suggestFromRangeTest } from './range-test-suggestion.js';

export interface ResolvedRequest {
  /** The body with every reference replaced by its number. */
  readonly body: unknown;
  /** Canonical JSON of the param_groups and scheduler as sent, if they named a range test. */
  readonly requestedWithReferences: string | null;
}

/**
 * `{"from_range_test": {"session": id, "rule": "steepest"}}` may stand for a group's
 * `lr` or a scheduler's `max_lr`. Replaces each with the suggested number before the
 * body is validated, so the session's config records the number itself.
 *
 * A restarted job sends the same request again, but the range test may have recorded
 * more batches since, or been deleted: a keyed session created from this very request
 * answers with the numbers it was created with. Only range tests the caller can see can be
 * named: another project's is not found. Throws InvalidInput naming a bad reference.
 */
export function resolveRangeTestReferences(store: SessionStore, caller: Caller, body: unknown): ResolvedRequest {
  if (!isObject(body) || !containsReference([body.param_groups, body.scheduler])) {
    return { body, requestedWithReferences: null };
  }
  const requestedWithReferences = canonicalJson({ param_groups: body.param_groups, scheduler: body.scheduler });
  const existing = typeof body.key === 'string' ? store.findByKey(caller.project, body.key) : undefined;
  if (existing?.requested_with_references === requestedWithReferences) {
    const recorded = { param_groups: existing.param_groups, scheduler: existing.schedule.config };
    return { body: { ...body, ...recorded }, requestedWithReferences };
  }
  const resolved: Record<string, unknown> = { ...body };
  if (Array.isArray(body.param_groups)) {
    resolved.param_groups = body.param_groups.map((group: unknown, i) => {
      if (!isObject(group) || !isReference(group.lr)) return group;
      // Group i takes the test's group i where it had one, else its first group's.
      const lrs = suggestedLrs(store, caller, group.lr, ['param_groups', i, 'lr']);
      return { ...group, lr: lrs[i] ?? lrs[0] };
    });
  }
  if (isObject(body.scheduler)) resolved.scheduler = resolveScheduler(store, caller, body.scheduler, ['scheduler']);
  return { body: resolved, requestedWithReferences };
}

function containsReference(value: unknown): boolean {
  if (isReference(value)) return true;
  if (Array.isArray(value)) return value.some(containsReference);
  return isObject(value) && Object.values(value).some(containsReference);
}

function resolveScheduler(store: SessionStore, caller: Caller, config: Record<string, unknown>, path: FieldPath): Record<string, unknown> {
  const resolved: Record<string, unknown> = { ...config };
  if (isReference(config.max_lr)) {
    const lrs = suggestedLrs(store, caller, config.max_lr, [...path, 'max_lr']);
    resolved.max_lr = lrs.length === 1 ? lrs[0] : lrs;
  }
  if (Array.isArray(config.schedulers)) {
    resolved.schedulers = config.schedulers.map((child: unknown, i) =>
      isObject(child) ? resolveScheduler(store, caller, child, [...path, 'schedulers', i]) : child,
    );
  }
  return resolved;
}

function suggestedLrs(store: SessionStore, caller: Caller, reference: { from_range_test: unknown }, path: FieldPath): readonly number[] {
  const ref = reference.from_range_test;
  const refused = (field: FieldPath, message: string) => new InvalidInput([...path, 'from_range_test', ...field], message);
  if (!isObject(ref) || typeof ref.session !== 'string') {
    throw refused(['session'], 'must name the range test session: {"session": "<id>", "rule": "steepest"}');
  }
  const rule = ref.rule ?? 'steepest';
  if (!RULES.includes(rule as Rule)) throw refused(['rule'], `must be one of ${RULES.join(', ')}`);
  if (Object.keys(ref).some((key) => key !== 'session' && key !== 'rule')) {
    throw refused([], 'takes only session and rule');
  }
  try {
    return suggestFromRangeTest(store, caller, ref.session).suggestions[rule as Rule].lrs;
  } catch (error) {
    // Not found, not a range test, too few points: whatever it is, this request names a bad reference.
    const badReference =
      error instanceof SessionNotFound || error instanceof NotARangeTest || error instanceof NotEnoughRangeTestPoints;
    throw badReference ? refused(['session'], error.message) : error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isReference(value: unknown): value is { from_range_test: unknown } {
  return isObject(value) && 'from_range_test' in value;
}
