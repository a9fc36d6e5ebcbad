import { DeliveryError } from '../../core/errors';
import { toDeliveryError } from '../../core/errors';
import { withTimeout } from '../../core/delivery/retry';

test('delivery - toDeliveryError keeps a plugin DeliveryError and makes anything else a retryable E_PLATFORM', () => {
  const permanent = DeliveryError.permanent('no permission', { platformCode: 230027 });
  expect(toDeliveryError(permanent)).toBe(permanent);
  const other = toDeliveryError(new TypeError('socket hang up'));
  expect(other).toMatchObject({ code: 'E_PLATFORM', retryable: true, message: 'unexpected error from the plugin: socket hang up' });
  expect(toDeliveryError('weird')).toMatchObject({ retryable: true, message: 'unexpected error from the plugin: weird' });
});

test('delivery - DeliveryError helpers say whether a retry can help', () => {
  expect(DeliveryError.retryable('429', { rateLimited: true, retryAfterMs: 2000 })).toMatchObject({
    code: 'E_RATE_LIMITED',
    retryable: true,
    retryAfterMs: 2000,
  });
  expect(DeliveryError.retryable('502')).toMatchObject({ code: 'E_PLATFORM', retryable: true });
  expect(DeliveryError.permanent('too big', { code: 'E_TOO_LARGE' })).toMatchObject({ code: 'E_TOO_LARGE', retryable: false });
  expect(new DeliveryError('E_UNSUPPORTED', 'no stickers')).toMatchObject({ retryable: false, deferred: false });
  expect(DeliveryError.deferred('visitor offline', { retryAfterMs: 10_000 })).toMatchObject({
    code: 'E_PLATFORM',
    retryable: true,
    deferred: true,
    retryAfterMs: 10_000,
  });
});

test('delivery - withTimeout turns a slow call into a retryable timeout', async () => {
  await expect(withTimeout(new Promise(() => undefined), 20, 'platform send')).rejects.toMatchObject({
    retryable: true,
    message: 'platform send timed out after 20 ms',
  });
  await expect(withTimeout(Promise.resolve('sent'), 1000, 'platform send')).resolves.toBe('sent');
});
