import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SANDBOX_SUBSCRIBER_BUCKET, type SubscriberReport } from '../../cli/subscriber-side';
import { PROVIDER_ACCOUNT, SANDBOX_REGION, type SandboxAccount, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { cli } from './harness';
import { openTestSandbox } from '../sandbox/sandbox-harness';

/*
 * `dx-flow run --local --subscriber-side`: the provider's run, then the sandbox's subscriber accepts the grant and
 * receives the revision in its own bucket. main() runs in-process; the sandbox starts and stops inside each call.
 */

const s3As = (account: SandboxAccount) =>
  new S3Client({
    region: SANDBOX_REGION,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
  });

async function bytesOf(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

describe('dx-flow run --local --subscriber-side', () => {
  let scratch: string;
  let directory: string;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-subscriber-cli-'));
    directory = path.join(scratch, 'sandbox');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const run = (runId: string, assets: number) =>
    cli(['run', '--local', '--sandbox-dir', directory, '--json', '--run-id', runId, '--assets', String(assets), '--subscriber', SUBSCRIBER_ACCOUNT.accountId, '--subscriber-side']);

  it('accepts the grant, exports each run\'s revision byte for byte beside the earlier ones, and reports what arrived', async () => {
    const first = await run('sub-cli-1', 3);
    expect(first.code).toBe(0);
    const firstReport = first.json().subscriber as SubscriberReport;
    expect(firstReport).toMatchObject({ account: SUBSCRIBER_ACCOUNT.accountId, acceptance: 'accepted', bucket: SANDBOX_SUBSCRIBER_BUCKET, exportJob: { state: 'COMPLETED', errors: [] } });
    expect(firstReport.objects).toHaveLength(3);
    expect(first.stderr).toContain(`data grant ${firstReport.dataGrantArn.split('/').pop()} accepted`);
    expect(first.stderr).toMatch(/s3:\/\/dx-flow-subscriber-data\/\S+\/generated\/sub-cli-1\/analytics-00001\.csv {2}\d+ bytes/);

    const second = await run('sub-cli-2', 2);
    expect(second.code).toBe(0);
    const secondReport = second.json().subscriber as SubscriberReport;
    expect(secondReport).toMatchObject({ acceptance: 'already accepted', dataSetId: firstReport.dataSetId, exportJob: { state: 'COMPLETED' } });
    expect(secondReport.objects).toHaveLength(2);

    const env = await openTestSandbox([], directory);
    const provider = s3As(PROVIDER_ACCOUNT);
    const subscriber = s3As(SUBSCRIBER_ACCOUNT);
    try {
      for (const { key, bytes } of [...firstReport.objects, ...secondReport.objects]) {
        const assetName = key.slice(key.indexOf('/generated/') + 1);
        const received = await bytesOf(subscriber, SANDBOX_SUBSCRIBER_BUCKET, key);
        expect(received.length).toBe(bytes);
        expect(received.equals(await bytesOf(provider, env.sandbox.bucket, assetName))).toBe(true);
      }
    } finally {
      provider.destroy();
      subscriber.destroy();
      await env.close({ keep: true });
    }
  });

  it.each([
    [['--subscriber-side'], '--subscriber 222222222222'],
    [['--subscriber-side', '--subscriber', '123456789012'], '--subscriber 222222222222'],
  ])('rejects %j before anything starts, naming what is missing', async (flags, named) => {
    const result = await cli(['run', '--local', '--sandbox-dir', path.join(scratch, 'untouched'), '--json', ...flags]);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({ status: 'REJECTED', cause: expect.stringContaining(named) });
  });

  it('needs --local', async () => {
    const result = await cli(['run', '--state-machine-arn', 'arn:aws:states:us-east-1:111111111111:stateMachine:x', '--json', '--bucket', 'provider-bucket', '--dataset', '0123456789abcdef0123456789abcdef', '--subscriber', SUBSCRIBER_ACCOUNT.accountId, '--subscriber-side']);
    expect(result.code).toBe(2);
    expect(result.json()).toMatchObject({ status: 'REJECTED', cause: expect.stringContaining('--subscriber-side works only with --local') });
  });
});

describe('dx-flow accept-grant --local', () => {
  it('accepts a grant by hand as the sandbox subscriber, then reports it already accepted', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-accept-grant-'));
    const directory = path.join(scratch, 'sandbox');
    try {
      const published = await cli(['run', '--local', '--sandbox-dir', directory, '--json', '--run-id', 'by-hand', '--assets', '1', '--subscriber', SUBSCRIBER_ACCOUNT.accountId]);
      const [grant] = published.json().dataGrants as { id: string }[];
      const arn = `arn:aws:dataexchange:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:data-grants/${grant.id}`;

      const first = await cli(['accept-grant', arn, '--local', '--sandbox-dir', directory, '--json']);
      const second = await cli(['accept-grant', arn, '--local', '--sandbox-dir', directory, '--json']);

      expect(first.code).toBe(0);
      expect(first.json()).toMatchObject({ dataGrantArn: arn, acceptance: 'accepted', dataSetId: expect.stringMatching(/^[a-f0-9]{32}$/) });
      expect(second.json()).toMatchObject({ acceptance: 'already accepted', dataSetId: first.json().dataSetId });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
