import { DataExchangeClient, ListDataSetRevisionsCommand, ListRevisionAssetsCommand } from '@aws-sdk/client-dataexchange';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main';
import type { RunSummary } from '../../cli/summary';
import { ACCOUNT_A, ACCOUNT_B } from '../fixtures/ids';
import { executionsStartedBy, openTestSandbox } from './sandbox-harness';

/** The asset names of a revision; the few assets of these tests fit in one page. */
async function assetNames(dataExchange: DataExchangeClient, dataSetId: string, revisionId: string) {
  const { Assets = [], NextToken } = await dataExchange.send(new ListRevisionAssetsCommand({ DataSetId: dataSetId, RevisionId: revisionId }));
  expect(NextToken).toBeUndefined();
  return Assets.map((asset) => asset.Name ?? '').sort();
}

describe('manifest uploads in the sandbox', () => {
  let env: Awaited<ReturnType<typeof openTestSandbox>>;
  let s3: S3Client;
  let dataExchange: DataExchangeClient;

  beforeAll(async () => {
    env = await openTestSandbox();
    s3 = new S3Client({ maxAttempts: 1, forcePathStyle: true });
    dataExchange = new DataExchangeClient({ maxAttempts: 1 });
  });
  afterAll(() => env.close());

  const put = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: env.sandbox.bucket, Key: key, Body: body }));

  /** Uploads a manifest and waits for the executions its event starts, each started with the manifest's ETag. */
  async function uploadManifest(key: string, manifest: unknown, expectedRuns = 1): Promise<DescribeExecutionCommandOutput[]> {
    const { acted, ended } = await executionsStartedBy(env.sandbox, env.sfn, () => put(key, JSON.stringify(manifest)), expectedRuns);
    expect(ended.every((execution) => JSON.parse(execution.input ?? '{}').source.etag === acted.ETag?.replace(/"/g, ''))).toBe(true);
    return ended;
  }

  async function revisionsOfRun(runId: string) {
    const { Revisions = [] } = await dataExchange.send(new ListDataSetRevisionsCommand({ DataSetId: env.sandbox.dataSetId }));
    return Revisions.filter((revision) => revision.Comment?.startsWith(`dx-flow run ${runId}`));
  }

  it('starts a run from manifests/incoming/*.json with the input the deployed rule gives, and publishes its objects', async () => {
    await put('drop/a.csv', 'a\n1\n');
    await put('drop/more/b.csv', 'b\n2\n');
    await put('drop/more/c.csv', 'c\n3\n');

    const [execution] = await uploadManifest('manifests/incoming/first.json', { keys: ['drop/a.csv'], prefixes: ['drop/more/'], comment: 'first drop' });

    expect(execution.status).toBe('SUCCEEDED');
    const input = JSON.parse(execution.input ?? '{}');
    // No data set: the manifest may name one (`dataSet`), else the run publishes to the default.
    expect(input).toEqual({
      bucket: env.sandbox.bucket,
      source: { type: 'manifest', key: 'manifests/incoming/first.json', etag: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
    const { plan } = JSON.parse(execution.output ?? '{}');
    expect(plan.runId).toMatch(/^first-[0-9a-f]{12}$/);
    const [revision] = await revisionsOfRun(plan.runId);
    expect(revision).toMatchObject({ Finalized: true, Comment: `dx-flow run ${plan.runId}: first drop` });
    expect(await assetNames(dataExchange, env.sandbox.dataSetId, revision.Id ?? '')).toEqual(['drop/a.csv', 'drop/more/b.csv', 'drop/more/c.csv']);
  });

  it('starts nothing for other keys: data, run manifests, or non-JSON files under manifests/incoming/', async () => {
    const before = env.sandbox.executions.list().length;

    await put('manifests/incoming/notes.txt', '{}');
    await put('manifests/other.json', '{}');
    await put('drop/late.json', '{}');
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(env.sandbox.executions.list()).toHaveLength(before);
  });

  it('fails a manifest naming a missing key with InputValidationError, and notifies naming the manifest and the key', async () => {
    await put('drop/here.csv', 'here\n');
    const notified = env.sandbox.notifications().length;

    const [execution] = await uploadManifest('manifests/incoming/broken.json', { keys: ['drop/here.csv', 'drop/missing.csv'] });

    expect(execution).toMatchObject({ status: 'FAILED', error: 'InputValidationError' });
    // One message, from the execution's status change: the run failed in PlanRevision, before any revision.
    const messages = env.sandbox.notifications().slice(notified);
    expect(messages).toHaveLength(1);
    expect(messages[0].attributes.outcome?.StringValue).toBe('FAILED');
    expect(messages[0].message).toContain(execution.executionArn);
    expect(messages[0].message).toContain('manifests/incoming/broken.json');
    expect(messages[0].message).toContain('"drop/missing.csv"');
  });

  it('publishes a re-delivered manifest event once: the second run reports it already published', async () => {
    await put('drop/twice.csv', 'twice\n');
    env.sandbox.faults.add([{ event: 'ObjectCreated', deliveries: 2, times: 1 }]);

    const [first, second] = await uploadManifest('manifests/incoming/twice.json', { keys: ['drop/twice.csv'] }, 2);

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [firstOutput, secondOutput] = [first, second].map((execution) => JSON.parse(execution.output ?? '{}'));
    expect(secondOutput.plan.runId).toBe(firstOutput.plan.runId);
    expect(firstOutput.revision).toMatchObject({ created: true, alreadyFinalized: false });
    expect(secondOutput.revision).toMatchObject({ revisionId: firstOutput.revision.revisionId, alreadyFinalized: true });
    expect(await revisionsOfRun(firstOutput.plan.runId)).toHaveLength(1);
  });
});

describe('dx-flow run --local --from-dir', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-from-dir-'));
  const sandboxDir = path.join(scratch, 'sandbox');
  const folder = path.join(scratch, 'my-data');
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs the CLI in this process and returns its exit code and the --json summary line. */
  async function runCli(args: string[]): Promise<{ code: number; summary?: RunSummary; stderr: string }> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
    try {
      const code = await main(args);
      const last = stdout.join('').trim().split('\n').at(-1);
      return { code, summary: last?.startsWith('{') === true ? (JSON.parse(last) as RunSummary) : undefined, stderr: stderr.join('') };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  const publishFolder = () =>
    runCli(['run', '--local', '--from-dir', folder, '--subscriber', `${ACCOUNT_A},${ACCOUNT_B}`, '--sandbox-dir', sandboxDir, '--json']);

  beforeAll(() => {
    for (const [file, body] of Object.entries({ 'top.csv': 'top\n', 'nested/one.csv': 'one\n', 'nested/deeper/two.csv': 'two\n', 'nested/empty.csv': '' })) {
      mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
      writeFileSync(path.join(folder, file), body);
    }
  });

  it('is refused without --local, before anything starts', async () => {
    const { code, stderr } = await runCli(['run', '--from-dir', folder, '--state-machine-arn', 'arn:aws:states:us-east-1:111111111111:stateMachine:x']);

    expect(code).toBe(2);
    expect(stderr).toContain('--from-dir uploads into the local sandbox and works only with --local');
  });

  it('uploads a nested folder with its relative paths as keys, publishes it as one revision and grants both subscribers', async () => {
    const { code, summary } = await publishFolder();

    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'SUCCEEDED', finalized: true, alreadyPublished: false, assetCount: 3 });
    expect(summary?.runId).toMatch(/^my-data-[0-9a-f]{12}$/);
    expect(summary?.dataGrants.map(({ receiver, status }) => ({ receiver, status }))).toEqual([
      { receiver: ACCOUNT_A, status: 'created' },
      { receiver: ACCOUNT_B, status: 'created' },
    ]);
    const env = await openTestSandbox([], sandboxDir);
    try {
      const names = await assetNames(new DataExchangeClient({ maxAttempts: 1 }), env.sandbox.dataSetId, summary?.revisionId ?? '');
      expect(names).toEqual(['nested/deeper/two.csv', 'nested/one.csv', 'top.csv'].map((name) => `incoming/${summary?.runId}/${name}`));
    } finally {
      await env.close({ keep: true });
    }
  });

  it('publishes the unchanged folder nothing twice, and reports both grants as existing', async () => {
    const { code, summary } = await publishFolder();

    expect(code).toBe(0);
    expect(summary).toMatchObject({ status: 'SUCCEEDED', alreadyPublished: true });
    expect(summary?.dataGrants.map(({ receiver, status }) => ({ receiver, status }))).toEqual([
      { receiver: ACCOUNT_A, status: 'existing' },
      { receiver: ACCOUNT_B, status: 'existing' },
    ]);
  });
});
