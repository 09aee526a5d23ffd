import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import jest from 'eslint-plugin-jest';
import layers from './eslint.layers.cjs';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.sandbox/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          // The named `z` keeps every zod locale in a Lambda bundle (450 KB); the namespace import tree-shakes to 90 KB.
          message: "Use `import * as z from 'zod'`.",
        },
      ],
    },
  },
  ...layers.layerRules(),
  {
    files: ['test/**/*.ts'],
    ...jest.configs['flat/recommended'],
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      // aws-cdk-lib's Template methods are assertions: they throw on a mismatch.
      'jest/expect-expect': [
        'error',
        {
          assertFunctionNames: [
            'expect',
            'expect*',
            'assert*',
            'fc.assert',
            '**.hasResourceProperties',
            '**.hasResource',
            '**.hasOutput',
            '**.resourceCountIs',
            '**.allResources',
            '**.allResourcesProperties',
          ],
        },
      ],
    },
  },
);
