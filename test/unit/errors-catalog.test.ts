import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalog } from '../../core/errors';
import { ErrorCodeSchema } from '../../core/contract/schemas';

const doc = readFileSync(join(__dirname, '../../docs/errors.md'), 'utf8');
const documented = [...doc.matchAll(/^## (\S+)\s*$/gm)].map((m) => m[1]);
const sections = doc.split(/^## /m).slice(1);

test('errors - every code in the catalog has a section in docs/errors.md, and every section a code', () => {
  expect([...documented].sort()).toEqual(Object.keys(errorCatalog).sort());
});

test('errors - every section says what the code means, when it happens and how to fix it', () => {
  for (const section of sections) {
    const code = section.split('\n')[0];
    for (const part of ['**Meaning:**', '**When:**', '**Fix:**']) expect(`${code}: ${section.includes(part)}`).toBe(`${code}: true`);
  }
});

test('errors - every receipt error code of the contract is in the catalog', () => {
  const receiptCodes = ErrorCodeSchema.anyOf.map((s: { const: string }) => s.const);
  expect(receiptCodes.length).toBeGreaterThan(0);
  for (const code of receiptCodes) expect(Object.keys(errorCatalog)).toContain(code);
});
