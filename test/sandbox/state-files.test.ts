import {
  CreateDataSetCommand,
  CreateJobCommand,
  CreateRevisionCommand,
  DataExchangeClient,
  GetJobCommand,
  ListRevisionAssetsCommand,
  StartJobCommand,
} from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../../sandbox/accounts';
import { type RunningDataExchangeEmulator, startDataExchangeEmulator } from '../../sandbox/dataexchange/server';
import { FaultInjector } from '../../sandbox/faults';
import { DamagedStateFileError } from '../../sandbox/persist';
import { startSns } from '../../sandbox/sns/server';

/*
 * The Data Exchange and SNS emulators' state files: flush() puts what a caller saw on disk at once (the
 * execution store flushes them before an execution's terminal record), a damaged file stops the start with one
 * sentence naming it, and what a crashed import left in the asset folder is gone after the next start.
 */

const clientOptions = (endpoint: string) => ({
  endpoint,
  region: SANDBOX_REGION,
  credentials: { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey },
  maxAttempts: 1,
});

describe('the emulators’ state files', () => {
  let directory: string;
  let stateFile: string;
  let assetDir: string;
  const unusedS3 = new S3Client(clientOptions('http://127.0.0.1:9'));
  // Imports copy a source as a file holding its key: no S3 needed.
  const sourceReader = {
    copyTo: (source: { Key: string }, file: string) => writeFile(file, source.Key),
    check: async () => undefined,
  };
  const startDataExchange = () =>
    startDataExchangeEmulator({ stateFile, assetDir, faults: new FaultInjector(), s3: unusedS3, sourceReader, jobDelayMs: 1 });

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-state-files-'));
    stateFile = path.join(directory, 'dataexchange.json');
    assetDir = path.join(directory, 'dataexchange-assets');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));
  afterAll(() => unusedS3.destroy());

  describe('Data Exchange', () => {
    let emulator: RunningDataExchangeEmulator | undefined;
    let client: DataExchangeClient;

    const open = async () => {
      emulator = await startDataExchange();
      client = new DataExchangeClient(clientOptions(emulator.endpoint));
    };
    afterEach(async () => {
      client?.destroy();
      await emulator?.close();
      emulator = undefined;
    });

    it('flush() writes a change at once, without waiting for the debounce', async () => {
      await open();
      const dataSet = await client.send(new CreateDataSetCommand({ Name: 'sales', Description: 'daily', AssetType: 'S3_SNAPSHOT' }));

      await emulator?.flush();

      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { accounts: Record<string, { dataSets: { Id: string }[] }> };
      expect(saved.accounts[PROVIDER_ACCOUNT.accountId].dataSets.map((record) => record.Id)).toEqual([dataSet.Id]);
    });

    it('removes at start what a crashed import left in the asset folder, and keeps every asset the state refers to', async () => {
      await open();
      const dataSet = await client.send(new CreateDataSetCommand({ Name: 'sales', Description: 'daily', AssetType: 'S3_SNAPSHOT' }));
      const revision = await client.send(new CreateRevisionCommand({ DataSetId: dataSet.Id }));
      const details = { ImportAssetsFromS3: { DataSetId: dataSet.Id, RevisionId: revision.Id, AssetSources: [{ Bucket: 'b', Key: 'kept.csv' }] } };
      const job = await client.send(new CreateJobCommand({ Type: 'IMPORT_ASSETS_FROM_S3', Details: details }));
      await client.send(new StartJobCommand({ JobId: job.Id }));
      while ((await client.send(new GetJobCommand({ JobId: job.Id }))).State !== 'COMPLETED') await new Promise((resolve) => setTimeout(resolve, 5));
      const { Assets = [] } = await client.send(new ListRevisionAssetsCommand({ DataSetId: dataSet.Id, RevisionId: revision.Id }));
      client.destroy();
      await emulator?.close();
      // What a kill -9 during the next import leaves: its copies, not yet in the state, and temporary files.
      const revisionDir = path.join(assetDir, PROVIDER_ACCOUNT.accountId, revision.Id ?? '');
      const orphanRevisionDir = path.join(assetDir, PROVIDER_ACCOUNT.accountId, 'f'.repeat(32));
      writeFileSync(path.join(revisionDir, 'e'.repeat(32)), 'copied, never recorded');
      writeFileSync(path.join(revisionDir, `${'d'.repeat(32)}.4242-1.tmp`), 'half');
      await writeFile(path.join(directory, 'dataexchange.json.4242-9.tmp'), '{"format":');
      await writeFile(path.join(assetDir, 'stray.tmp'), '');
      mkdirSync(orphanRevisionDir, { recursive: true });
      writeFileSync(path.join(orphanRevisionDir, 'c'.repeat(32)), 'of a revision the state never saw');

      await open();

      expect(readdirSync(revisionDir)).toEqual(Assets.map((asset) => asset.Id));
      expect(readFileSync(path.join(revisionDir, Assets[0].Id ?? ''), 'utf8')).toBe('kept.csv');
      expect(existsSync(orphanRevisionDir)).toBe(false);
      expect(readdirSync(assetDir)).toEqual([PROVIDER_ACCOUNT.accountId]);
      expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    });

    it('refuses to start on a damaged state file, in one sentence naming it', async () => {
      writeFileSync(stateFile, '{"format":"dx-flow-sandbox-dataexchange/1","accounts":{"1111');

      const started = startDataExchange();

      await expect(started).rejects.toThrow(DamagedStateFileError);
      await expect(started).rejects.toThrow(new RegExp(`^The sandbox file ${stateFile} is damaged \\(not valid JSON: [^\\n]+\\): `));
    });
  });

  describe('SNS', () => {
    const snsStateFile = () => path.join(directory, 'sns.json');

    it('flush() writes a published message at once', async () => {
      const sns = await startSns({ stateFile: snsStateFile(), faults: new FaultInjector() });
      const client = new SNSClient(clientOptions(sns.endpoint));
      try {
        const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'notifications' }));
        const { MessageId } = await client.send(new PublishCommand({ TopicArn, Message: 'published' }));

        await sns.flush();

        const saved = JSON.parse(readFileSync(snsStateFile(), 'utf8')) as { messages: { messageId: string }[] };
        expect(saved.messages.map((message) => message.messageId)).toEqual([MessageId]);
      } finally {
        client.destroy();
        await sns.close();
      }
    });

    it.each([
      ['cut short', '{"topics":[],"messages":[{"messageId":"a', /not valid JSON/],
      ['of another shape', '{"topics":{}}', /Invalid SNS state/],
    ])('refuses to start on a state file %s, in one sentence naming it', async (_, text, reason) => {
      writeFileSync(snsStateFile(), text);

      const started = startSns({ stateFile: snsStateFile(), faults: new FaultInjector() });

      await expect(started).rejects.toThrow(DamagedStateFileError);
      await expect(started).rejects.toThrow(new RegExp(`^The sandbox file ${snsStateFile()} is damaged \\(`));
      await expect(started).rejects.toThrow(reason);
    });
  });
});
