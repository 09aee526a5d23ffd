import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/*
 * The CLI loads the CDK and the sandbox's servers only for the commands that use them (cli/lazy.ts): a
 * command against AWS, or `--help`, starts in about half the time without them. Each case runs in a fresh
 * node process, as a user's would, and reports which of the heavy modules it loaded.
 */

const REPO = path.resolve(__dirname, '../..');

function heavyModulesLoadedBy(argv: string[]): { cdk: boolean; sandboxServers: boolean } {
  const script = `
    require('tsx/cjs/api').register();
    require('./cli/main.ts').main(${JSON.stringify(argv)}).then(() => {
      const loaded = Object.keys(require.cache);
      process.stdout.write('\\n' + JSON.stringify({
        cdk: loaded.some((file) => file.includes('/node_modules/aws-cdk-lib/')),
        sandboxServers: loaded.some((file) => file.endsWith('/sandbox/sandbox.ts')),
      }));
      process.exit(0);
    });`;
  const stdout = execFileSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'us-east-1' } });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { cdk: boolean; sandboxServers: boolean };
}

describe('what the CLI loads', () => {
  it.each(['--help', 'status --help', 'run --help'])('`dx-flow %s` loads neither the CDK nor the sandbox', (command) => {
    expect(heavyModulesLoadedBy(command.split(' '))).toEqual({ cdk: false, sandboxServers: false });
  });
});
