import { DataExchangeClient, ListDataSetRevisionsCommand, paginateListReceivedDataGrants } from '@aws-sdk/client-dataexchange';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { cli, clientOptions, inspect } from './harness';

/*
 * Operating a data set end to end in the sandbox, as README's "Operating a data set" runs it: publish and share
 * with the sandbox's subscriber, list, revoke, notify, revoke the grant; and what the subscriber sees of each.
 * Each command starts the sandbox of one directory and stops it, as a user's `--local` commands do; the
 * subscriber's view is read after, with its own keys.
 */

const SUBSCRIBER = SUBSCRIBER_ACCOUNT.accountId;
const COMMENT = 'Published the wrong day of data';

describe('operating a data set in the sandbox', () => {
  let directory: string;
  let revisionId: string;
  let dataSetId: string;
  let entitledDataSetId: string;
  const local = (...argv: string[]) => cli([...argv, '--local', '--sandbox-dir', directory, '--json']);

  /** The sandbox's subscriber account, with its own keys, once the CLI has stopped the sandbox. */
  const asSubscriber = <T>(check: (subscriber: DataExchangeClient) => Promise<T>) =>
    inspect(directory, async () => {
      const subscriber = new DataExchangeClient({
        ...clientOptions,
        credentials: { accessKeyId: SUBSCRIBER_ACCOUNT.accessKeyId, secretAccessKey: SUBSCRIBER_ACCOUNT.secretAccessKey },
      });
      try {
        return await check(subscriber);
      } finally {
        subscriber.destroy();
      }
    });

  beforeAll(async () => {
    directory = path.join(mkdtempSync(path.join(tmpdir(), 'dx-flow-operate-')), 'sandbox');
    const run = await local('run', '--run-id', 'op-1', '--assets', '2', '--subscriber', SUBSCRIBER, '--subscriber-side');
    if (run.json().status !== 'SUCCEEDED') throw new Error(`The run to operate on did not succeed: ${run.stderr}`);
    revisionId = run.json().revisionId as string;
    dataSetId = run.json().datasetId as string;
    entitledDataSetId = (run.json().subscriber as { dataSetId: string }).dataSetId;
  });
  afterAll(() => rmSync(path.dirname(directory), { recursive: true, force: true }));

  it('lists the published run, revokes it, and lists it revoked; the subscriber sees it revoked', async () => {
    const before = await local('revisions');
    const revoked = await local('revoke', '--run-id', 'op-1', '--comment', COMMENT, '--yes');
    const again = await local('revoke', '--revision', revisionId, '--comment', COMMENT);
    const after = await local('revisions', '--run-id', 'op-1');

    expect(before.json()).toMatchObject({ datasetId: dataSetId, runs: [{ runId: 'op-1', state: 'finalized', assetCount: 2, revisions: [{ id: revisionId, part: 1 }] }] });
    expect(revoked.json()).toMatchObject({ runId: 'op-1', revisions: [{ revisionId, outcome: 'revoked' }] });
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ revisions: [{ revisionId, outcome: 'already revoked' }] });
    expect(after.json()).toMatchObject({ runs: [{ runId: 'op-1', state: 'revoked', revisions: [{ revocationComment: COMMENT }] }] });
    const received = await asSubscriber((subscriber) => subscriber.send(new ListDataSetRevisionsCommand({ DataSetId: entitledDataSetId })));
    expect(received.Revisions?.find((revision) => revision.Id === revisionId)).toMatchObject({ Revoked: true, RevocationComment: COMMENT });
  });

  it('sends a notice', async () => {
    const result = await local('notice', 'DATA_DELAY', '--comment', "Tonight's data is late.");

    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ datasetId: dataSetId, type: 'DATA_DELAY', eventType: 'Data Set Update Delayed' });
  });

  it("lists the subscriber's grant, deletes it, and the subscriber no longer receives the data set", async () => {
    const before = await local('grants');
    const deleted = await local('revoke-grant', SUBSCRIBER, '--yes');
    const after = await local('grants');

    expect(before.json()).toMatchObject({ grants: [{ receiver: SUBSCRIBER, acceptance: 'ACCEPTED', endsAt: null }] });
    expect(deleted.json()).toMatchObject({ receiver: SUBSCRIBER, deleted: [{ receiver: SUBSCRIBER }] });
    expect(after.json()).toEqual({ datasetId: dataSetId, grants: [] });
    const received = await asSubscriber(async (subscriber) => {
      const grants = [];
      for await (const page of paginateListReceivedDataGrants({ client: subscriber }, {})) grants.push(...(page.DataGrantSummaries ?? []));
      return grants;
    });
    const grantArn = (before.json().grants as Array<{ arn: string }>)[0].arn;
    expect(received.map((grant) => grant.Arn)).not.toContain(grantArn);
  });
});
