import { expect } from '@jest/globals';
import type { Receipt } from '../../core/contract/schemas';

/** The receipt of a send that failed on its first attempt and was not tried again: `error` as given, its message saying `says`. */
export function expectFailedAtOnce(receipt: Receipt, error: Record<string, unknown>, says?: string): void {
  expect(receipt).toMatchObject({ ok: false, attempts: 1, error });
  if (says !== undefined) expect(receipt.error!.message).toContain(says);
}
