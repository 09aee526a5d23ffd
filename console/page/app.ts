import mermaid from 'mermaid';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ExecutionRow, ExecutionView } from '../api';
import type { DataView } from '../data';
import type { StateRun } from '../state-runs';

/*
 * The console page: the executions list (`#/`, `#/?status=FAILED`), one execution (`#/execution/<arn>`)
 * and the data the runs published (`#/data`), each polled while something may still change. The graph is the `dx-flow diagram` flowchart of the
 * execution's state machine, rendered by mermaid and then coloured from the history.
 */

const LIST_POLL_MS = 2000;
const RUNNING_POLL_MS = 1000;
const ENDED_POLL_MS = 5000;
const DATA_POLL_MS = 5000;
/** Rows of the event table: a 10,000-asset run has tens of thousands of events. */
const EVENT_ROWS_MAX = 1000;
const STATUSES = ['', 'RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', flowchart: { useMaxWidth: true } });

const app = document.getElementById('app') as HTMLElement;
let timer: ReturnType<typeof setTimeout> | undefined;
/** Bumped at each navigation, so that an answer to an older view's request is dropped. */
let generation = 0;

/** An element with attributes and children, text escaped by the DOM. */
function el(tag: string, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

async function api<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await response.json()) as T & { name?: string; message?: string };
  if (!response.ok) throw new Error(`${json.name ?? response.status}: ${json.message ?? ''}`);
  return json;
}

function duration(start?: string, stop?: string): string {
  if (start === undefined) return '';
  const ms = (stop === undefined ? Date.now() : Date.parse(stop)) - Date.parse(start);
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A table with a header row; `id` names it for tests and links. */
function table(id: string, headers: readonly string[], body: HTMLElement): HTMLElement {
  return el('table', { id }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), body);
}

const row = (...cells: (Node | string)[]) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell)));

const statusCell = (status = '') => el('span', { class: `status status-${status}` }, status);

function poll(work: () => Promise<number>): void {
  const mine = generation;
  const tick = async () => {
    let nextMs = ENDED_POLL_MS;
    try {
      nextMs = await work();
    } catch (error) {
      if (mine === generation) showError((error as Error).message);
    }
    if (mine === generation) timer = setTimeout(() => void tick(), nextMs);
  };
  void tick();
}

function showError(message: string): void {
  const box = document.getElementById('error');
  if (box === null) return;
  box.textContent = message;
  box.hidden = false;
}

function listView(status: string): void {
  const filter = el('select', { id: 'status-filter' }, ...STATUSES.map((s) => el('option', s === status ? { value: s, selected: '' } : { value: s }, s || 'all')));
  filter.addEventListener('change', () => (location.hash = `#/?status=${(filter as HTMLSelectElement).value}`));
  const body = el('tbody');
  const count = el('span', { id: 'count' });
  app.replaceChildren(
    el('div', { class: 'toolbar' }, el('label', {}, 'Status ', filter), count),
    el('div', { id: 'error', class: 'error', hidden: '' }),
    table('executions', ['Status', 'runId', 'Name', 'Part', 'Started', 'Duration', 'Revision', 'Redrives'], body),
  );
  poll(async () => {
    const { executions } = await api<{ executions: ExecutionRow[] }>('GET', `/api/executions?status=${encodeURIComponent(status)}`);
    body.replaceChildren(
      ...executions.map((e) =>
        el(
          'tr',
          { 'data-arn': e.executionArn },
          el('td', {}, statusCell(e.status)),
          el('td', {}, e.runId ?? ''),
          el('td', {}, el('a', { href: `#/execution/${encodeURIComponent(e.executionArn)}` }, e.name)),
          el('td', {}, e.chain === undefined ? '' : e.chain.part === 1 ? '1' : `${e.chain.part} (after ${e.chain.first})`),
          el('td', {}, e.startDate === undefined ? '' : new Date(e.startDate).toLocaleString()),
          el('td', {}, duration(e.startDate, e.stopDate)),
          el('td', {}, e.revisionId ?? ''),
          el('td', {}, String(e.redriveCount ?? 0)),
        ),
      ),
    );
    count.textContent = `${executions.length} execution${executions.length === 1 ? '' : 's'}`;
    return LIST_POLL_MS;
  });
}

/** The first line of a mermaid node's label: the state's name, as `dx-flow diagram` writes it. */
function stateNameOf(node: Element): string | undefined {
  const label = node.querySelector(':scope > .label, :scope > .cluster-label, :scope .nodeLabel');
  if (label === null) return undefined;
  const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text !== null; text = walker.nextNode()) {
    const value = text.textContent?.trim();
    if (value) return value;
  }
  return undefined;
}

function block(title: string, text: string | undefined): HTMLElement[] {
  return text === undefined ? [] : [el('h4', {}, title), el('pre', { 'data-field': title.toLowerCase() }, pretty(text))];
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function stateDetails(name: string, run: StateRun | undefined): HTMLElement[] {
  if (run === undefined) return [el('h3', {}, name), el('p', {}, 'Not reached in this execution.')];
  const iterations = run.iterations;
  return [
    el('h3', {}, `${name} `, statusCell(run.status.toUpperCase())),
    el('p', {}, `Entered ${run.entered} time${run.entered === 1 ? '' : 's'}.`),
    ...(iterations === undefined
      ? []
      : [el('p', { 'data-field': 'iterations' }, `Iterations: ${iterations.started} started, ${iterations.succeeded} succeeded, ${iterations.failed} failed, ${iterations.aborted} aborted.`)]),
    ...block('Error', run.error),
    ...block('Cause', run.cause),
    ...block('Input', run.input),
    ...block('Output', run.output),
  ];
}

/** What one event says, in a line: the state it enters or leaves, or its error and cause. */
function eventSummary(event: HistoryEvent): [string, string] {
  const entries = Object.entries(event).filter(([key]) => key.endsWith('EventDetails'));
  const details = (entries[0]?.[1] ?? {}) as Record<string, unknown>;
  const name = typeof details.name === 'string' ? details.name : '';
  const rest = Object.entries(details)
    .filter(([key]) => key !== 'name' && !key.endsWith('Details'))
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('\n');
  return [name, rest.length > 600 ? `${rest.slice(0, 600)}…` : rest];
}

function eventRows(events: readonly HistoryEvent[], started: number): HTMLElement[] {
  return events.slice(-EVENT_ROWS_MAX).map((event) => {
    const [name, detail] = eventSummary(event);
    const at = event.timestamp === undefined ? '' : `${((Date.parse(String(event.timestamp)) - started) / 1000).toFixed(3)} s`;
    return el('tr', {}, el('td', {}, String(event.id ?? '')), el('td', {}, event.type ?? ''), el('td', {}, name), el('td', {}, at), el('td', { class: 'detail' }, el('div', {}, detail)));
  });
}

function executionView(executionArn: string): void {
  const header = el('div', { class: 'toolbar' });
  const graph = el('div', { id: 'graph' });
  const panel = el('div', { id: 'state' }, el('p', {}, 'Click a state to see its input, output, error and cause.'));
  const events = el('tbody');
  const legend = el('div', { class: 'legend' }, ...['succeeded', 'failed', 'caught', 'running', 'aborted'].map((s) => el('span', { class: `state-${s}` }, s)), 'not reached: uncoloured');
  app.replaceChildren(
    el('p', {}, el('a', { href: '#/' }, '← Executions')),
    header,
    el('div', { id: 'error', class: 'error', hidden: '' }),
    el('div', { id: 'execution-error' }),
    el('div', { class: 'layout' }, el('div', {}, legend, graph), panel),
    el('h3', {}, 'Events'),
    table('events', ['ID', 'Type', 'State', 'Elapsed', 'Details'], events),
  );
  let drawn: string | undefined;
  let selected: string | undefined;
  let latest: ExecutionView | undefined;
  const select = (name: string) => {
    selected = name;
    for (const node of graph.querySelectorAll('[data-state]')) node.classList.toggle('state-selected', node.getAttribute('data-state') === name);
    panel.replaceChildren(...stateDetails(name, latest?.states.find((s) => s.name === name)));
  };
  const act = async (action: 'redrive' | 'stop') => {
    try {
      await api('POST', `/api/${action}`, { executionArn });
      (document.getElementById('error') as HTMLElement).hidden = true;
      clearTimeout(timer);
      poll(refresh);
    } catch (error) {
      showError((error as Error).message);
    }
  };
  const refresh = async (): Promise<number> => {
    const view = await api<ExecutionView>('GET', `/api/execution?arn=${encodeURIComponent(executionArn)}`);
    latest = view;
    const { execution } = view;
    if (drawn !== view.flowchart) {
      const { svg } = await mermaid.render(`flowchart-${generation}`, view.flowchart);
      graph.innerHTML = svg;
      for (const node of graph.querySelectorAll('g.node, g.cluster')) {
        const name = stateNameOf(node);
        if (name === undefined || name === 'start' || name === 'end') continue;
        node.setAttribute('data-state', name);
        node.addEventListener('click', () => select(name));
      }
      drawn = view.flowchart;
    }
    const runs = new Map(view.states.map((run) => [run.name, run]));
    for (const node of graph.querySelectorAll('[data-state]')) {
      const status = runs.get(node.getAttribute('data-state') ?? '')?.status ?? 'notReached';
      node.setAttribute('data-status', status);
      for (const c of [...node.classList].filter((c) => c.startsWith('state-') && c !== 'state-selected')) node.classList.remove(c);
      node.classList.add(`state-${status}`);
    }
    const redrive = el('button', { id: 'redrive' }, 'Redrive');
    redrive.addEventListener('click', () => void act('redrive'));
    if (execution.redriveStatus !== 'REDRIVABLE') redrive.setAttribute('disabled', '');
    const stop = el('button', { id: 'stop' }, 'Stop');
    stop.addEventListener('click', () => void act('stop'));
    if (execution.status !== 'RUNNING') stop.setAttribute('disabled', '');
    header.replaceChildren(
      el('strong', {}, execution.name ?? executionArn),
      el('span', { id: 'execution-status' }, statusCell(execution.status)),
      el('span', {}, `started ${execution.startDate === undefined ? '' : new Date(execution.startDate).toLocaleString()}, ${duration(execution.startDate, execution.stopDate)}`),
      el('span', {}, `redrives: ${execution.redriveCount ?? 0}`),
      redrive,
      stop,
    );
    document
      .getElementById('execution-error')
      ?.replaceChildren(...(execution.error === undefined ? [] : [el('div', { class: 'error' }, `${execution.error}: ${execution.cause ?? ''}`)]));
    if (selected !== undefined) select(selected);
    events.replaceChildren(...eventRows(view.events, Date.parse(execution.startDate ?? '')));
    return execution.status === 'RUNNING' ? RUNNING_POLL_MS : ENDED_POLL_MS;
  };
  poll(refresh);
}

const bytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

/** The SNS messages of one run: the runId attribute the notifier sets, where it does. */
const runOf = (message: DataView['messages'][number]) => message.attributes.runId?.StringValue ?? '';

function dataView(): void {
  const bodies = { revisions: el('tbody'), grants: el('tbody'), received: el('tbody'), exported: el('tbody'), messages: el('tbody') };
  app.replaceChildren(
    el('div', { id: 'error', class: 'error', hidden: '' }),
    el('h3', {}, 'Revisions of the data sets (newest first)'),
    table('revisions', ['Data set', 'Revision', 'Created', 'Finalized', 'Assets', 'Size', 'Comment'], bodies.revisions),
    el('h3', {}, 'Data grants sent'),
    table('grants', ['Name', 'Receiver', 'Acceptance', 'Data set'], bodies.grants),
    el('h3', {}, "Data grants the subscriber received"),
    table('received', ['Name', 'Receiver', 'Acceptance', 'Data set'], bodies.received),
    el('h3', {}, "Objects exported to the subscriber's buckets"),
    table('exported', ['Bucket', 'Key', 'Size'], bodies.exported),
    el('h3', {}, 'SNS messages published (sandbox-only record: AWS has no API to read them back)'),
    table('messages', ['Published', 'runId', 'Subject', 'Attributes', 'Message'], bodies.messages),
  );
  poll(async () => {
    const data = await api<DataView>('GET', '/api/data');
    const grantRows = (grants: DataView['grants']) => grants.map((g) => row(g.name ?? '', g.receiver ?? '', g.acceptanceState ?? '', g.dataSetId ?? ''));
    bodies.revisions.replaceChildren(
      ...data.revisions.map((r) => row(r.dataSet, r.id, r.createdAt === undefined ? '' : new Date(r.createdAt).toLocaleString(), r.revoked === true ? 'revoked' : String(r.finalized ?? false), String(r.assets), bytes(r.bytes), r.comment ?? '')),
    );
    bodies.grants.replaceChildren(...grantRows(data.grants));
    bodies.received.replaceChildren(...grantRows(data.received));
    bodies.exported.replaceChildren(...data.exported.map((o) => row(o.bucket, o.key, bytes(o.bytes))));
    bodies.messages.replaceChildren(
      ...[...data.messages].reverse().map((m) =>
        row(new Date(m.timestamp).toLocaleString(), runOf(m), m.subject ?? '', Object.entries(m.attributes).map(([k, v]) => `${k}=${v.StringValue ?? ''}`).join(' '), m.message.slice(0, 300)),
      ),
    );
    return DATA_POLL_MS;
  });
}

function route(): void {
  generation += 1;
  clearTimeout(timer);
  const hash = location.hash.replace(/^#/, '');
  const execution = /^\/execution\/(.+)$/.exec(hash);
  if (execution !== null) return executionView(decodeURIComponent(execution[1]));
  if (hash === '/data') return dataView();
  listView(new URLSearchParams(hash.split('?')[1] ?? '').get('status') ?? '');
}

window.addEventListener('hashchange', route);
route();
