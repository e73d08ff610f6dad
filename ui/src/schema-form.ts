import type { JsonSchema, OpenApiDocument } from './api';
import { h } from './dom';

/**
 * Forms for scheduler configs, generated from the OpenAPI document the service serves (which
 * the zod schemas generate): a new argument or scheduler shows up here without UI changes.
 * The service stays the only validator: what cannot be parsed is sent as typed, and the
 * problem's errors[].path puts the refusal beside the field.
 */

export type Config = Record<string, unknown>;

export interface SchedulerSchemas {
  types: string[];
  /** The argument schemas of one scheduler type, `type` itself left out. */
  fields(type: string): [string, JsonSchema][];
  required(type: string): string[];
}

export function readSchedulerSchemas(document: OpenApiDocument): SchedulerSchemas {
  const resolve = (schema: JsonSchema): JsonSchema => {
    let current = schema;
    for (let depth = 0; current.$ref && depth < 16; depth++) {
      current = document.components.schemas[current.$ref.replace('#/components/schemas/', '')] ?? {};
    }
    return current;
  };
  const preview = document.paths['/v1/preview']?.post?.requestBody?.content['application/json']?.schema;
  const scheduler = preview ? resolve(resolve(preview).properties?.scheduler ?? {}) : {};
  const variants = new Map<string, JsonSchema>();
  for (const variant of (scheduler.oneOf ?? scheduler.anyOf ?? []).map(resolve)) {
    const type = variant.properties?.type?.const;
    if (typeof type === 'string') variants.set(type, variant);
  }
  if (variants.size === 0) throw new Error('the OpenAPI document describes no scheduler types for /v1/preview');
  return {
    types: [...variants.keys()],
    fields: (type) =>
      Object.entries(variants.get(type)?.properties ?? {})
        .filter(([name]) => name !== 'type')
        .map(([name, schema]) => [name, resolveDeep(schema, resolve)]),
    required: (type) => (variants.get(type)?.required ?? []).filter((name) => name !== 'type'),
  };
}

/** Resolves references one level into anyOf/items, where field kinds are decided. */
function resolveDeep(schema: JsonSchema, resolve: (s: JsonSchema) => JsonSchema): JsonSchema {
  const top = resolve(schema);
  return {
    ...top,
    ...(top.anyOf ? { anyOf: top.anyOf.map(resolve) } : {}),
    ...(top.items ? { items: resolve(top.items) } : {}),
  };
}

type Kind =
  | 'number'
  | 'integer'
  | 'numbers' // a number, or one per group
  | 'integer-list'
  | 'text' // an expression
  | 'texts' // an expression, or one per group
  | 'choice'
  | 'boolean'
  | 'schedulers'
  | 'json';

function types(schema: JsonSchema): string[] {
  const own = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  return [...own, ...(schema.anyOf ?? []).flatMap(types)];
}

function kindOf(schema: JsonSchema): Kind {
  if (schema.enum) return 'choice';
  const all = types(schema).filter((t) => t !== 'null');
  const arrays = [schema, ...(schema.anyOf ?? [])].filter((s) => s.type === 'array');
  const itemTypes = arrays.flatMap((s) => (s.items ? types(s.items) : []));
  const scalars = all.filter((t) => t !== 'array' && t !== 'object');
  // Objects other than these (a from_range_test reference) are for API clients; the form takes numbers.
  if (arrays.length > 0 && arrays.some((s) => s.items && (s.items.properties?.type || s.items.oneOf || s.items.anyOf))) return 'schedulers';
  if (scalars.length === 1 && scalars[0] === 'boolean') return 'boolean';
  if (scalars.includes('string')) return arrays.length > 0 ? 'texts' : 'text';
  if (scalars.includes('number') || scalars.includes('integer')) {
    if (arrays.length > 0) return 'numbers';
    return scalars.includes('number') ? 'number' : 'integer';
  }
  if (scalars.length === 0 && itemTypes.every((t) => t === 'integer' || t === 'number') && itemTypes.length > 0) return 'integer-list';
  return 'json';
}

/** The text a field shows for a value. */
function toText(kind: Kind, value: unknown): string {
  if (value === undefined || value === null) return '';
  if ((kind === 'numbers' || kind === 'integer-list') && Array.isArray(value)) return value.join(', ');
  if (kind !== 'json' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) return String(value);
  return JSON.stringify(value);
}

/**
 * The value a field's text stands for; undefined leaves the argument out (its default applies).
 * Text that is not a number stays text, so the service names the field that is wrong.
 */
function fromText(kind: Kind, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return kind === 'integer-list' ? [] : undefined;
  const number = (part: string) => (part.trim() !== '' && Number.isFinite(Number(part)) ? Number(part) : part.trim());
  switch (kind) {
    case 'number':
    case 'integer':
      return number(trimmed);
    case 'numbers':
      return trimmed.includes(',') ? trimmed.split(',').map(number) : number(trimmed);
    case 'integer-list':
      return trimmed.split(',').filter((p) => p.trim() !== '').map(number);
    case 'texts':
      if (trimmed.startsWith('[')) {
        try {
          return JSON.parse(trimmed) as unknown;
        } catch {
          return trimmed;
        }
      }
      return text;
    case 'json':
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        return trimmed;
      }
    default:
      return text;
  }
}

const HINTS: Partial<Record<Kind, string>> = {
  numbers: 'one number, or one per group: 0.1, 0.01',
  'integer-list': 'comma-separated: 30, 80',
  texts: 'a Python expression, or a JSON list of them, one per group',
  text: 'a Python expression',
};

export interface SchedulerFormOptions {
  schemas: SchedulerSchemas;
  /** Starting arguments for a type the user switches to, so its preview draws at once. */
  example: (type: string) => Config;
  onChange: () => void;
}

let fieldIds = 0;

/**
 * A form editing `config` in place: a type select, then one field per argument.
 * `path` is the config's place in a request (`scheduler`, `scheduler.schedulers.0`), as the
 * service names fields in its errors.
 */
export function schedulerForm(config: Config, path: string, options: SchedulerFormOptions): HTMLElement {
  const box = h('div', { class: 'scheduler-form', 'data-path': path });
  const draw = () => {
    const type = String(config.type);
    const typeId = `field-${++fieldIds}`;
    const select = h(
      'select',
      { id: typeId, 'data-field': `${path}.type` },
      ...options.schemas.types.map((t) => h('option', { value: t, selected: t === type }, t)),
    );
    select.addEventListener('change', () => {
      for (const key of Object.keys(config)) delete config[key];
      Object.assign(config, options.example(select.value));
      draw();
      box.querySelector<HTMLSelectElement>('select')?.focus();
      options.onChange();
    });
    const required = options.schemas.required(type);
    box.replaceChildren(
      field(`${path}.type`, h('label', { for: typeId }, 'type'), select, 'The PyTorch class'),
      ...options.schemas.fields(type).map(([name, schema]) => argumentField(config, name, schema, required.includes(name), path, options)),
    );
  };
  draw();
  return box;
}

function field(path: string, label: HTMLElement, control: HTMLElement, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'field', 'data-path': path },
    label,
    control,
    hint ? h('div', { class: 'hint' }, hint) : null,
    h('div', { class: 'field-error', role: 'alert' }),
  );
}

function argumentField(config: Config, name: string, schema: JsonSchema, required: boolean, parent: string, options: SchedulerFormOptions): HTMLElement {
  const path = `${parent}.${name}`;
  const kind = kindOf(schema);
  const id = `field-${++fieldIds}`;
  const label = h('label', { for: id }, h('code', {}, name), required ? h('span', { class: 'required', title: 'required' }, ' *') : null);
  const hint = [schema.description, HINTS[kind]].filter(Boolean).join(' · ');
  const hasDefault = schema.default !== undefined && schema.default !== null;

  if (kind === 'schedulers') return nestedSchedulers(config, name, path, label, hint, options);

  if (kind === 'choice' || kind === 'boolean') {
    const values = kind === 'boolean' ? [true, false] : (schema.enum ?? []);
    const select = h(
      'select',
      { id, 'data-field': path },
      h('option', { value: '' }, hasDefault ? `default (${String(schema.default)})` : '—'),
      ...values.map((v) => h('option', { value: JSON.stringify(v), selected: config[name] === v }, String(v))),
    );
    select.addEventListener('change', () => {
      if (select.value === '') delete config[name];
      else config[name] = JSON.parse(select.value) as unknown;
      options.onChange();
    });
    return field(path, label, select, schema.description);
  }

  const input = h('input', {
    id,
    'data-field': path,
    type: 'text',
    inputmode: kind === 'number' || kind === 'integer' || kind === 'numbers' ? 'decimal' : null,
    spellcheck: 'false',
    autocomplete: 'off',
    value: toText(kind, config[name]),
    placeholder: hasDefault ? `default ${toText(kind, schema.default)}` : required ? 'required' : 'optional',
  });
  input.addEventListener('input', () => {
    const value = fromText(kind, input.value);
    if (value === undefined) delete config[name];
    else config[name] = value;
    options.onChange();
  });
  return field(path, label, input, hint);
}

function nestedSchedulers(config: Config, name: string, path: string, label: HTMLElement, hint: string, options: SchedulerFormOptions): HTMLElement {
  const list = (config[name] ??= []) as Config[];
  const box = h('fieldset', { class: 'nested', 'data-path': path });
  const draw = () => {
    box.replaceChildren(
      h('legend', {}, label.cloneNode(true)),
      h('div', { class: 'hint' }, hint),
      h('div', { class: 'field-error', role: 'alert' }),
      ...list.map((child, i) =>
        h(
          'div',
          { class: 'nested-item' },
          h(
            'div',
            { class: 'nested-head' },
            h('span', {}, `${i + 1}.`),
            h('button', { type: 'button', class: 'small', 'aria-label': `remove scheduler ${i + 1}`, disabled: list.length <= 1, onclick: () => remove(i) }, 'Remove'),
          ),
          schedulerForm(child, `${path}.${i}`, options),
        ),
      ),
      h('button', { type: 'button', class: 'small', onclick: add }, `Add a scheduler to ${name}`),
    );
  };
  const remove = (i: number) => {
    list.splice(i, 1);
    draw();
    options.onChange();
  };
  function add(): void {
    list.push(options.example('ExponentialLR'));
    draw();
    options.onChange();
  }
  draw();
  return box;
}

/**
 * Puts each error beside the field its path names (the deepest field the path starts with:
 * `scheduler.schedulers.1.lr_lambda.0` goes to that lr_lambda) and answers the ones that
 * name no field on the form.
 */
export function showFieldErrors(form: HTMLElement, errors: readonly { path: string; message: string }[]): { path: string; message: string }[] {
  for (const message of form.querySelectorAll('.field-error')) message.textContent = '';
  for (const control of form.querySelectorAll('[aria-invalid]')) control.removeAttribute('aria-invalid');
  const fields = [...form.querySelectorAll<HTMLElement>('.field[data-path], fieldset[data-path]')];
  const unplaced: { path: string; message: string }[] = [];
  for (const error of errors) {
    const target = fields
      .filter((f) => error.path === f.dataset.path || error.path.startsWith(`${f.dataset.path}.`))
      .sort((a, b) => b.dataset.path!.length - a.dataset.path!.length)[0];
    const slot = target?.querySelector(':scope > .field-error');
    if (!target || !slot) {
      unplaced.push(error);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent}; ${error.message}` : error.message;
    target.querySelector(':scope > input, :scope > select')?.setAttribute('aria-invalid', 'true');
  }
  return unplaced;
}
