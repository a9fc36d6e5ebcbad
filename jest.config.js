/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Type-checking is `tsc --noEmit` in `npm test`; here ts-jest only transpiles (decorator metadata included).
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }] },
  testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/plugins/**/*.test.ts', '<rootDir>/examples/**/*.test.ts'],
  // The package's own entries, as a plugin outside this repo imports them (examples/plugin-template).
  moduleNameMapper: { '^chat-gateway$': '<rootDir>/core/index.ts', '^chat-gateway/(plugin|testing|agent)$': '<rootDir>/core/$1/index.ts' },
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 2,
};
