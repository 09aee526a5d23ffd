import { ProviderManifest } from '../../shared/schemas/provider-manifest';

describe('ProviderManifest', () => {
  it.each([
    ['one key', { keys: ['a.csv'] }],
    ['one prefix', { prefixes: ['incoming/'] }],
    ['a key and an empty prefix list', { keys: ['a.csv'], prefixes: [] }],
    ['a prefix and an empty key list', { keys: [], prefixes: ['incoming/'] }],
  ])('accepts a manifest with %s', (_, manifest) => {
    expect(ProviderManifest.safeParse(manifest).success).toBe(true);
  });

  it.each([
    ['neither keys nor prefixes', {}],
    ['empty lists of both', { keys: [], prefixes: [] }],
  ])('refuses a manifest with %s, naming keys', (_, manifest) => {
    const result = ProviderManifest.safeParse(manifest);

    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['keys'], message: 'must list at least one key or prefix' })]);
  });
});
