import { parseSubject, subjects } from '../../core/contract/subjects';

test('contract - subjects and stream names for the default prefix chat', () => {
  const s = subjects();
  expect(s.in('feishu', 'default')).toBe('chat.in.feishu.default');
  expect(s.ingest('feishu', 'default')).toBe('chat.ingest.feishu.default');
  expect(s.out('feishu', 'sales-bot')).toBe('chat.out.feishu.sales-bot');
  expect(s.receipt('feishu', 'default')).toBe('chat.receipt.feishu.default');
  expect(s.status('feishu', 'default')).toBe('chat.status.feishu.default');
  expect([s.inStream, s.outStream, s.statusBucket, s.outboxBucket]).toEqual(['CHAT_IN', 'CHAT_OUT', 'chat_status', 'chat_outbox']);
});

test('contract - a dotted prefix keeps its subjects and gives valid stream names', () => {
  const s = subjects('acme.prod');
  expect(s.out('webchat', 'a')).toBe('acme.prod.out.webchat.a');
  expect([s.inStream, s.outStream, s.statusBucket, s.outboxBucket]).toEqual([
    'ACME_PROD_IN',
    'ACME_PROD_OUT',
    'acme_prod_status',
    'acme_prod_outbox',
  ]);
});

test('contract - parseSubject splits <prefix>.<kind>.<channel>.<account> and refuses other shapes', () => {
  expect(parseSubject('chat', 'chat.out.feishu.default')).toEqual({ kind: 'out', channel: 'feishu', account: 'default' });
  expect(parseSubject('acme.prod', 'acme.prod.out.feishu.b')).toEqual({ kind: 'out', channel: 'feishu', account: 'b' });
  expect(parseSubject('chat', 'chat.out.feishu')).toBeUndefined();
  expect(parseSubject('chat', 'chat.out.feishu.a.b')).toBeUndefined();
  expect(parseSubject('chat', 'other.out.feishu.a')).toBeUndefined();
});
