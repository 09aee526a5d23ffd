/*
 * The layers, lowest first. A folder may import from the folders before it, never from those after it:
 * shared <- generators <- tasks <- workflows <- infra <- sandbox <- console <- cli. `bench/` and `test/` sit above them
 * all. `generators/` holds the provider's asset generators (docs/generators.md): they may use shared/, and the
 * upload task bundles them.
 *
 * ESLint's own `no-restricted-imports` matches the import string, not the resolved file, so the rule for a
 * layer refuses any relative path that climbs (`../`) into a higher top-level folder. That is exact as long
 * as no sub-folder shares a layer's name, which `test/layers.test.ts` checks against the real tree.
 */
const LAYERS = ['shared', 'generators', 'tasks', 'workflows', 'infra', 'sandbox', 'console', 'cli'];
const ABOVE_ALL = ['bench', 'test'];

function layerRules() {
  return LAYERS.map((layer, index) => {
    const higher = [...LAYERS.slice(index + 1), ...ABOVE_ALL];
    return {
      files: [`${layer}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                regex: `^(\\.\\./)+(${higher.join('|')})(/|$)`,
                message: `${layer}/ is below ${higher.join(', ')}: a lower layer must not import a higher one (see README's layout).`,
              },
            ],
          },
        ],
      },
    };
  });
}

module.exports = { LAYERS, ABOVE_ALL, layerRules };
