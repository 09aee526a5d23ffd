import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { type RunningConsole, startConsole } from '../../console/server';
import { SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { FaultPlan } from '../../sandbox/faults';
import { STATE } from '../../shared/state-names';
import { openTestSandbox, startRun, waitForEnd } from '../sandbox/sandbox-harness';

/*
 * The console in a real headless Chromium (Debian's `chromium`, driven by puppeteer-core; nothing downloads a
 * browser): a run held failing by a task fault shows its failing state in red with its cause, and a Redrive
 * from the page once the fault is cleared turns the run green, and the data page then shows what it published.
 * Each view's screenshot goes to reports/console/.
 */

const CHROMIUM = process.env.DX_FLOW_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, '..', '..', 'reports', 'console');
const FAILING_TASK = 'finalize-revision';
const HELD_CAUSE = 'held by the console test';
/** Runs that succeed before the held one fails: the list shows them all, 20 in total. */
const EARLIER_RUNS = 19;

describe('the console in a browser', () => {
  let env: Awaited<ReturnType<typeof openTestSandbox>>;
  let consoleServer: RunningConsole;
  let browser: Browser;
  let page: Page;
  let executionArn: string;

  beforeAll(async () => {
    // GIVEN a sandbox of 19 runs that succeeded, then a fault that holds the finalize task failing until it is
    // cleared, and one more run that failed on it.
    env = await openTestSandbox();
    const started = Promise.all([
      startConsole({ sandbox: env.sandbox }),
      puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] }),
    ]);
    const earlier = await Promise.all(
      Array.from({ length: EARLIER_RUNS }, (_, i) => startRun(env.sandbox, env.sfn, { runId: `earlier-${i}`, source: { type: 'generate', assets: 1, recordsPerAsset: 1 } })),
    );
    await Promise.all(earlier.map((arn) => waitForEnd(env.sfn, arn)));
    env.sandbox.faults.add(FaultPlan.parse([{ task: FAILING_TASK, message: HELD_CAUSE, times: 1000 }]));
    [consoleServer, browser] = await started;
    executionArn = await startRun(env.sandbox, env.sfn, {
      runId: 'console-held',
      source: { type: 'generate', assets: 2, recordsPerAsset: 1 },
      subscriberAccountIds: [SUBSCRIBER_ACCOUNT.accountId],
    });
    await waitForEnd(env.sfn, executionArn);
    page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.close();
    await env?.close();
  });

  it('lists all 20 executions, the failed one first with its status and runId', async () => {
    // WHEN
    const before = Date.now();
    await page.goto(consoleServer.url);
    await page.waitForSelector(`#executions tbody tr:nth-child(${EARLIER_RUNS + 1})`);
    const listedMs = Date.now() - before;

    // THEN
    const rows = await page.$$eval('#executions tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toHaveLength(EARLIER_RUNS + 1);
    expect(rows[0]).toEqual(expect.arrayContaining(['FAILED', 'console-held']));
    expect(rows.slice(1).map((row) => row[0])).toEqual(Array(EARLIER_RUNS).fill('SUCCEEDED'));
    // A figure for the notes (docs/sandbox.md), not an assertion: the time from navigation to the whole list.
    writeFileSync(path.join(SCREENSHOTS, 'list-timing.json'), JSON.stringify({ executions: rows.length, listedMs }));
  });

  it('shows the failing state in red, and its cause when clicked', async () => {
    // WHEN
    await page.goto(`${consoleServer.url}#/execution/${encodeURIComponent(executionArn)}`);
    const failed = await page.waitForSelector(`[data-state="${STATE.finalizeRevision}"][data-status="failed"]`);
    await failed?.click();
    const cause = await page.waitForSelector('#state pre[data-field="cause"]');

    // THEN the node is filled red, the states before it green, and the panel says why it failed.
    // A string, evaluated in the page: the tests are type-checked without the DOM's types, which are the page's alone.
    const fill = await page.evaluate(`getComputedStyle(document.querySelector('[data-state="${STATE.finalizeRevision}"] .label-container')).fill`);
    expect(fill).toBe('rgb(239, 154, 154)');
    expect(await page.$eval(`[data-state="${STATE.planRevision}"]`, (node) => node.getAttribute('data-status'))).toBe('succeeded');
    expect(await cause?.evaluate((pre) => pre.textContent)).toContain(HELD_CAUSE);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'failed.png') });
  });

  it('turns the run green after Redrive, once the fault is cleared', async () => {
    // GIVEN
    env.sandbox.faults.clear();

    // WHEN
    await page.click('#redrive');

    // THEN
    await page.waitForSelector('#execution-status .status-SUCCEEDED', { timeout: 20_000 });
    await page.waitForSelector(`[data-state="${STATE.finalizeRevision}"][data-status="succeeded"]`);
    expect(await page.$$eval('[data-status="failed"]', (nodes) => nodes.length)).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'redriven.png') });
  });

  it("shows the redriven run's revision, its grant and both SNS messages on the data page", async () => {
    // WHEN
    await page.goto(`${consoleServer.url}#/data`);
    await page.waitForSelector(`#messages tbody tr:nth-child(${EARLIER_RUNS + 2})`);
    const cells = (id: string) => page.$$eval(`#${id} tbody tr`, (rows) => rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));

    // THEN, newest first: the run's one revision, finalized with its 2 assets, a grant to the subscriber it has
    // yet to accept, and the run's SUCCEEDED notification after its FAILED one.
    expect((await cells('revisions'))[0]).toEqual(['default', expect.any(String), expect.any(String), 'true', '2', expect.stringMatching(/ B$/), 'dx-flow run console-held']);
    expect(await cells('grants')).toEqual([[expect.any(String), SUBSCRIBER_ACCOUNT.accountId, 'PENDING_RECEIVER_ACCEPTANCE', expect.any(String)]]);
    expect(await cells('received')).toEqual([[expect.any(String), SUBSCRIBER_ACCOUNT.accountId, 'PENDING_RECEIVER_ACCEPTANCE', expect.any(String)]]);
    const messages = await cells('messages');
    expect(messages.slice(0, 2).map((m) => [m[1], /outcome=(\w+)/.exec(m[3] ?? '')?.[1]])).toEqual([
      ['console-held', 'SUCCEEDED'],
      ['console-held', 'FAILED'],
    ]);
    expect(messages).toHaveLength(EARLIER_RUNS + 2);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'data.png') });
  });
});
