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
