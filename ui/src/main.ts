import 'uplot/dist/uPlot.min.css';
import './style.css';
import { apiKey } from './api';
import { designerPage } from './pages/designer';
import { runsPage } from './pages/runs';
import { sessionPage } from './pages/session';

/** A page draws itself into the main element and returns what stops its timers and streams. */
export type Page = (root: HTMLElement, query: URLSearchParams) => () => void;

/** Hash routes: the service serves one index.html, and every view is a link that can be shared. */
function route(path: string): { page: Page; nav: string } {
  const session = /^\/sessions\/([^/]+)(\/steps)?$/.exec(path);
  if (session) {
    const id = decodeURIComponent(session[1]!);
    return { page: (root) => sessionPage(root, id, session[2] !== undefined), nav: 'runs' };
  }
  if (path === '/designer') return { page: designerPage, nav: 'designer' };
  return { page: runsPage, nav: 'runs' };
}

const main = document.getElementById('main')!;
let stopPage: () => void = () => {};

function render(): void {
  stopPage();
  const [path = '/', search = ''] = location.hash.replace(/^#/, '').split('?');
  const { page, nav } = route(path || '/');
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  main.replaceChildren();
  stopPage = page(main, new URLSearchParams(search));
}

const keyForm = document.getElementById('key-form') as HTMLFormElement;
const keyInput = document.getElementById('api-key') as HTMLInputElement;
keyInput.value = apiKey.get();
keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  apiKey.set(keyInput.value.trim());
  render();
});

window.addEventListener('hashchange', () => {
  render();
  main.focus({ preventScroll: true });
});
// Charts take their colours when drawn: redraw when the system switches light and dark.
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', render);
render();
