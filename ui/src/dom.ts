import { ApiError, describeError } from './api';

type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | EventListener>;

/**
 * Builds an element: attributes (`on…` are listeners, `false`/null leave an attribute out),
 * then children (strings become text, never HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The three states every page can be in before it has something to show. */
export function loading(what: string): HTMLElement {
  return h('div', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), `Loading ${what}…`);
}

export function empty(title: string, ...body: (Child | Child[])[]): HTMLElement {
  return h('div', { class: 'state empty' }, h('h2', {}, title), ...body);
}

/** What went wrong, said for the user: the service's problem detail, a hint where the fix is theirs. */
export function failure(error: unknown, retry?: () => void): HTMLElement {
  const problem = error instanceof ApiError ? error : null;
  const title =
    problem?.status === 401 ? 'An API key is needed'
    : problem?.status === 403 ? 'This key may not do this'
    : problem?.status === 404 ? 'Not found'
    : 'Something went wrong';
  return h(
    'div',
    { class: 'state error', role: 'alert' },
    h('strong', {}, `${title}: `),
    describeError(error),
    h(
      'div',
      { class: 'actions' },
      problem?.status === 401
        ? h('button', { type: 'button', class: 'primary', onclick: () => document.getElementById('api-key')?.focus() }, 'Enter a key')
        : null,
      retry ? h('button', { type: 'button', onclick: () => retry() }, 'Try again') : null,
    ),
  );
}

/** Copies text and says so on the button for a moment. */
export async function copyText(button: HTMLButtonElement, text: string): Promise<void> {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    // Clipboard access needs a secure context or a permission; select the text for a manual copy.
    button.textContent = 'Copy failed: select and copy below';
  }
  setTimeout(() => (button.textContent = label), 1500);
}

/**
 * Tabs of texts to copy (a config as JSON, Python, curl…), a copy button and the text
 * itself, selectable for a manual copy. `refresh` (re)writes the text once the page has it.
 */
export function snippetTabs(choices: readonly { label: string; text: () => string }[], copyLabel: string) {
  let selected = 0;
  const text = h('pre', { class: 'snippet', tabindex: 0 });
  const refresh = () => {
    text.textContent = choices[selected]!.text();
  };
  const tabs = choices.map((choice, i) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        'aria-selected': String(i === selected),
        onclick: () => {
          selected = i;
          tabs.forEach((tab, j) => tab.setAttribute('aria-selected', String(j === i)));
          refresh();
        },
      },
      choice.label,
    ),
  );
  const copy = h('button', { type: 'button', class: 'primary' }, copyLabel);
  copy.addEventListener('click', () => void copyText(copy, choices[selected]!.text()));
  return { tabs: h('div', { role: 'tablist', class: 'tabs' }, ...tabs), copy, text, refresh };
}
