// The live dashboard at /dashboard: asks for the server's DASHBOARD_TOKEN, keeps it for this tab
// only (sessionStorage), and reads /dashboard/metrics (the Prometheus text of /metrics) and /ready
// every POLL_MS. The token travels in the Authorization header, never in a URL.
import './dashboard.css';
import { createBoard, type HealthReading, type Readiness } from './board.js';
import { computeFigures, PERCENTILE_WINDOW_MS, type Reading } from './figures.js';
import { parsePrometheus } from './prometheus.js';

const TOKEN_KEY = 'chat-dashboard-token';
const POLL_MS = 1500;
const TIMEOUT_MS = 5000;

type MetricsAnswer = { kind: 'ok'; text: string } | { kind: 'refused' } | { kind: 'off' } | { kind: 'failed'; error: string };

async function readMetrics(token: string): Promise<MetricsAnswer> {
  try {
    const response = await fetch('/dashboard/metrics', {
      headers: { authorization: `Bearer ${token}` },
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status === 401) return { kind: 'refused' };
    if (response.status === 404) return { kind: 'off' };
    if (!response.ok) return { kind: 'failed', error: `the server answered ${response.status}` };
    return { kind: 'ok', text: await response.text() };
  } catch (error) {
    return { kind: 'failed', error: (error as Error).message };
  }
}

async function readHealth(): Promise<HealthReading> {
  const started = performance.now();
  try {
    const response = await fetch('/ready', { cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS) });
    const readiness = (await response.json()) as Readiness;
    return { readiness, roundTripMs: performance.now() - started };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const REFUSED = "Refused: that is not this server's DASHBOARD_TOKEN. Enter the value the server was started with.";
const OFF = 'The dashboard is off on this server now (DASHBOARD_TOKEN is not set). Set it and restart the server.';

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, unknown>> = {}, ...children: (Node | string)[]) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const root = document.getElementById('dashboard')!;
const status = h('p', { className: 'status', role: 'status' });
const forget = h('button', { type: 'button', textContent: 'Forget token', hidden: true });
root.append(h('header', {}, h('h1', { textContent: 'Chat server dashboard' }), status, forget));

const input = h('input', { type: 'password', id: 'dashboard-token', name: 'token', required: true, autocomplete: 'off' });
const problem = h('p', { className: 'problem', role: 'alert' });
const submit = h('button', { type: 'submit', textContent: 'Open dashboard' });
const gate = h(
  'form',
  { className: 'gate' },
  h('p', {}, 'This page shows the live figures of this server. Enter the DASHBOARD_TOKEN it was started with.'),
  h('label', { htmlFor: 'dashboard-token', textContent: 'Dashboard token' }),
  input,
  submit,
  problem,
);
root.append(gate);

let board: ReturnType<typeof createBoard> | undefined;
/** Bumped whenever polling must stop (token refused or forgotten): a loop of an older generation ends. */
let generation = 0;

function showGate(message = '') {
  generation += 1;
  board?.element.remove();
  board = undefined;
  forget.hidden = true;
  gate.hidden = false;
  problem.textContent = message;
  status.textContent = message ? '' : 'Locked.';
  input.value = '';
  input.focus();
}

function stopWith(answer: MetricsAnswer) {
  sessionStorage.removeItem(TOKEN_KEY);
  showGate(answer.kind === 'off' ? OFF : REFUSED);
}

async function run(token: string, first: Reading) {
  const mine = generation;
  gate.hidden = true;
  forget.hidden = false;
  board = createBoard();
  root.append(board.element);
  const history: Reading[] = [first];
  let health = await readHealth();
  for (;;) {
    if (mine !== generation) return;
    const current = history.at(-1);
    board.update(current ? computeFigures(history) : undefined, health);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (document.hidden) {
      // Nobody is looking: no reads until the tab shows again, then rates start from fresh readings
      // rather than averaging over the time it was hidden.
      status.textContent = 'Paused while the tab is hidden.';
      await new Promise((resolve) => document.addEventListener('visibilitychange', resolve, { once: true }));
      history.length = 0;
    }
    if (mine !== generation) return;
    const [answer, nextHealth] = await Promise.all([readMetrics(token), readHealth()]);
    if (mine !== generation) return;
    health = nextHealth;
    if (answer.kind === 'refused' || answer.kind === 'off') return stopWith(answer);
    if (answer.kind === 'failed') {
      status.textContent = `Cannot read the figures (${answer.error}); trying again every ${POLL_MS / 1000} s.`;
      status.className = 'status stale';
      // A gap in every chart; rates start again from the next reading.
      history.length = 0;
      continue;
    }
    const at = performance.now();
    history.push({ at, scrape: parsePrometheus(answer.text) });
    while (history.length > 2 && at - history[0]!.at > PERCENTILE_WINDOW_MS + 2 * POLL_MS) history.shift();
    status.textContent = `Live: updated ${new Date().toLocaleTimeString()}, every ${POLL_MS / 1000} s (${Math.round(at - started - POLL_MS)} ms to read).`;
    status.className = 'status';
  }
}

async function open(token: string) {
  submit.disabled = true;
  status.textContent = 'Checking the token…';
  const answer = await readMetrics(token);
  submit.disabled = false;
  if (answer.kind !== 'ok') {
    if (answer.kind === 'failed') {
      showGate(`Cannot reach the server (${answer.error}). Try again.`);
      return;
    }
    return stopWith(answer);
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  generation += 1;
  void run(token, { at: performance.now(), scrape: parsePrometheus(answer.text) });
}

gate.addEventListener('submit', (event) => {
  event.preventDefault();
  const token = input.value.trim();
  if (token) void open(token);
});
forget.addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showGate();
});

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) void open(saved);
else showGate();
