import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import type { BatchManifest } from '../../shared/manifest';
import { NOTIFICATION_RECORD_PREFIX } from '../../shared/notifications';
import { planRevision } from '../../tasks/plan-revision/core';
import { APP_WRITTEN_PREFIXES, DataBucket } from '../../infra/constructs/data-bucket';
import { MANIFEST_TRIGGER_PREFIX } from '../../infra/constructs/manifest-trigger';
import { BUCKET, DATA_SET_ID, RUN_ID } from '../fixtures/ids';
import { logicalIdOf, type Synthesized, synthStack } from './synth';

const s3 = mockClient(S3Client);

/** The data bucket's lifecycle rules, by id. */
function lifecycleRules({ stack, template }: Synthesized): Record<string, Record<string, unknown>> {
  const bucket = template.toJSON().Resources[logicalIdOf(stack, stack.dataBucket.bucket)];
  const rules = bucket.Properties.LifecycleConfiguration.Rules as { Id: string }[];
  return Object.fromEntries(rules.map((rule) => [rule.Id, rule]));
}

const APP_TIERING = [
  { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
  { StorageClass: 'GLACIER', TransitionInDays: 90 },
];

describe('DataBucket lifecycle', () => {
  describe('in the provider stack with no context', () => {
    it('tiers only what the app writes, so a provider source older than 90 days can still be imported', () => {
      expect(lifecycleRules(synthStack())).toEqual({
        'expire-versions': { Id: 'expire-versions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 90 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
        'tier-generated': { Id: 'tier-generated', Status: 'Enabled', Prefix: 'generated/', Transitions: APP_TIERING },
        'tier-manifests-runs': { Id: 'tier-manifests-runs', Status: 'Enabled', Prefix: 'manifests/runs/', Transitions: APP_TIERING },
        'expire-notification-records': { Id: 'expire-notification-records', Status: 'Enabled', Prefix: 'notifications/sent/', ExpirationInDays: 30 },
      });
    });

    it("expires the status-change notifier's records under the prefix it writes, after RedriveExecution's 14 days", () => {
      const rule = lifecycleRules(synthStack())['expire-notification-records'];
      expect(rule.Prefix).toBe(NOTIFICATION_RECORD_PREFIX);
      expect(rule.ExpirationInDays).toBeGreaterThan(14);
    });
  });

  describe('with tierSourcesAfterDays', () => {
    it('moves every object, the sources too, to Glacier after that many days', () => {
      expect(lifecycleRules(synthStack({ tierSourcesAfterDays: '180' }))).toMatchObject({
        'glacier-all-objects': { Id: 'glacier-all-objects', Status: 'Enabled', Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 180 }] },
        'tier-generated': { Prefix: 'generated/', Transitions: APP_TIERING },
      });
    });
  });

  describe('on its own', () => {
    it.each([14, 7, 20.5])('stops synth when the notification records would be kept %s days, not past the redrive window', (days) => {
      expect(() => new DataBucket(new Stack(), 'Bucket', { notificationRecordExpirationDays: days })).toThrow(
        `notificationRecordExpirationDays must be a whole number above 14, the days RedriveExecution works after an execution ends; got ${days}`,
      );
    });


    it('tiers every object when no prefixes are named, as a bucket the app alone writes wants', () => {
      const stack = new Stack();
      new DataBucket(stack, 'Bucket');
      const [bucket] = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: {} } }));
      expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual({ Id: 'tier-all', Status: 'Enabled', Transitions: APP_TIERING });
    });
  });

  describe('APP_WRITTEN_PREFIXES', () => {
    beforeEach(() => {
      s3.reset();
      s3.on(PutObjectCommand).resolves({});
    });

    it('cover every key a generated run writes: its assets, batch files and plan', async () => {
      await planRevision(
        { input: { bucket: BUCKET, datasetId: DATA_SET_ID, runId: RUN_ID, source: { type: 'generate', assets: 3, recordsPerAsset: 1 } }, executionName: RUN_ID, executionStartTime: '2026-11-30T09:00:00.000Z' },
        { s3: new S3Client({}), dataSets: [] },
      );

      const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      const batchFiles = puts.filter((put) => put.Key?.includes('/batches/')).map((put) => JSON.parse(String(put.Body)) as BatchManifest);
      const keys = [...puts.map((put) => put.Key ?? ''), ...batchFiles.flatMap((batch) => batch.assets.map((asset) => asset.key))];
      expect(keys).toHaveLength(2 + 3);
      for (const key of keys) expect(APP_WRITTEN_PREFIXES.some((prefix) => key.startsWith(prefix))).toBe(true);
    });

    it('leave out the manifests a provider drops to start a run', () => {
      expect(APP_WRITTEN_PREFIXES.some((prefix) => MANIFEST_TRIGGER_PREFIX.startsWith(prefix) || prefix.startsWith(MANIFEST_TRIGGER_PREFIX))).toBe(false);
    });
  });
});
