import * as fs from 'node:fs';
import * as path from 'node:path';
import { logicalIdOf, synthStack } from './synth';

describe('task bundling', () => {
  it('bundles every handler with the local esbuild, no Docker, the AWS SDK included', () => {
    const { app, stack, template } = synthStack({}, { bundle: true });
    const assembly = app.synth();
    const resources = template.toJSON().Resources;
    const bundledGenerators: string[] = [];
    const generatorsFound: string[] = [];
    for (const [task, taskFunction] of Object.entries(stack.functions)) {
      // The asset's S3 key is its hash, and the cloud assembly stages it as asset.<hash>.
      const s3Key: string = resources[logicalIdOf(stack, taskFunction.function)].Properties.Code.S3Key;
      const assetPath = `asset.${s3Key.replace(/\.zip$/, '')}`;
      const code = fs.readFileSync(path.join(assembly.directory, assetPath, 'index.js'), 'utf8');
      expect(fs.existsSync(path.join(assembly.directory, assetPath, 'index.js.map'))).toBe(true);
      // The SDK's one optional require (signature-v4-crt, for SigV4a) sits in a try/catch; the clients are inlined.
      expect(code).not.toMatch(/require\(["'](@aws-sdk\/client-|@aws-sdk\/lib-|@smithy\/)/);
      expect(code).toMatch(/sourceMappingURL=index\.js\.map/);
      // The generators a run's source names are in the registry, which the tasks that list and open assets carry.
      if (task === 'plan-revision' || task === 'upload-batch') bundledGenerators.push(task);
      if (code.includes('"hello-readings"') || code.includes("'hello-readings'")) generatorsFound.push(task);
    }
    expect(generatorsFound.sort()).toEqual(bundledGenerators.sort());
  });
});
