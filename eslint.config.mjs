// Lint rules for every TypeScript file: typescript-eslint's recommended set, fast (no type information),
// so `npm test` stays quick. Formatting is prettier's job (`npm run format`), not a lint rule.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.nats-data/**', 'examples/plugin-template/dist/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Built-in plugins load lazily by name, and third-party ones by package or path at run time.
    files: ['core/plugin/loader.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Emulators and tests read untyped SDK payloads and platform JSON.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
