import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/*
 * What `cdk synth` shows on a bad setting: the app (cdk.json's "app", infra/app.ts) is run as the CDK CLI runs it,
 * with the context in CDK_CONTEXT_JSON, and must print the one sentence that names the key, with no stack trace.
 */

const ROOT = path.resolve(__dirname, '../..');

function synth(context: Record<string, unknown>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: path.join(ROOT, 'cdk.out', 'synth-errors-test') },
  });
}

it('stops synth on a bad context value with the sentence that names it, and nothing else', () => {
  // Act
  const run = synth({ schedule: 'every day' });

  // Assert
  expect(run.status).toBe(1);
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid context "schedule": .*EventBridge schedule expression/)]);
  expect(run.stdout).toBe('');
});

it("stops synth with the construct's one sentence when the data sets it is given cannot deploy, and nothing else", () => {
  // Act: each setting is valid on its own, but an existing data set on a schedule needs a scheduled source
  const run = synth({ dataSets: { prices: { datasetId: '0123456789abcdef0123456789abcdef' } } });

  // Assert: the stack exists by then, and the CLI's own synth of it at exit must not add its report
  expect(run.status).toBe(1);
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^DataExchangePublisher: dataSets "prices" publishes to the existing data set .* on a schedule/)]);
  expect(run.stdout).toBe('');
});
