// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'src/spec/schema-validator.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Every failure a user can see is a DeployctlError with a stable code (src/errors.ts).
      'no-restricted-syntax': [
        'error',
        {
          selector: "ThrowStatement > NewExpression[callee.name='Error']",
          message: 'Throw a DeployctlError subclass with a stable code.',
        },
      ],
    },
  },
  {
    // The core never touches the terminal or the process: only src/cli may.
    files: ['src/spec/**', 'src/plan/**', 'src/apply/**', 'src/db/**', 'src/engine/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['yargs', 'listr2'], patterns: ['yargs/*'] }],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Pass what you need in; only src/cli knows about the process.' },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'eslint.config.js', 'vitest.config.ts'],
    rules: {
      'no-restricted-syntax': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  // Plain-JS build scripts sit outside the TypeScript projects.
  { files: ['eslint.config.js', 'scripts/**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['scripts/**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
);
