import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';

/*
 * README's "In your own CDK app": the lines a user writes, importing the constructs from the entry module only, with
 * no context and no cdk.json. test/infra/own-app/app.ts holds them; this test keeps README's copy the same.
 */

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(__dirname, 'own-app', 'app.ts');
/** How README names the entry module, and how the fixture reaches it from test/infra/own-app/. */
const PACKAGE_IMPORT = "'dx-flow/infra'";
const FIXTURE_IMPORT = "'../../../infra'";

function readmeExample(): string {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const block = /<!-- own-app:start -->\n```ts\n([\s\S]*?)\n```\n<!-- own-app:end -->/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ```ts block between <!-- own-app:start --> and <!-- own-app:end -->');
  return block;
}

function fixtureExample(): string {
  const source = readFileSync(FIXTURE, 'utf8');
  return source.slice(0, source.indexOf('\n// Not in README:')).replace(FIXTURE_IMPORT, PACKAGE_IMPORT);
}

describe("README's own-app example", () => {
  let app: App;
  beforeAll(async () => {
    // GIVEN the user's lines, with bundling skipped as the other synth tests skip it (the app itself sets no context)
    process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:bundling-stacks': [] });
    try {
      // WHEN they run
      ({ app } = await import('./own-app/app'));
    } finally {
      delete process.env.CDK_CONTEXT_JSON;
    }
  });

  it('is the code README shows, ten lines or so', () => {
    const example = readmeExample();
    expect(example).toBe(fixtureExample());
    expect(example.split('\n').length).toBeLessThanOrEqual(12);
  });

  it('synthesizes a publisher and a subscriber', () => {
    const stacks = app.node.children as Stack[];
    const [products, received] = ['DataProducts', 'ReceivedData'].map((id) => Template.fromStack(stacks.find((stack) => stack.node.id === id)!));
    products.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    products.resourceCountIs('AWS::DataExchange::DataSet', 1);
    received.resourceCountIs('AWS::DataExchange::EventAction', 1);
  });

  it('leaves cdk-nag nothing unacknowledged', () => {
    const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
    const findings = packs.flatMap((pack) =>
      pack.validateScope(app).violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)),
    );
    expect(findings).toEqual([]);
  });
});
