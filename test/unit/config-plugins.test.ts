import { join } from 'node:path';
import { configError, load, tempDir } from '../support/config-files';
import { version } from '../../package.json';

const manifest = (fields: string) => `module.exports = { default: { ${fields} } };\n`;
const valid = `name: 'tmpchat', apiVersion: 1, adapter: class TmpAdapter {},
  options: { type: 'object', properties: { greeting: { type: 'string', default: 'hi' }, botId: { type: 'string' } } },
  validate: (o) => (o.botId === 'bot' ? [{ key: 'botId', message: 'botId "bot" is reserved', hint: 'use the id from the console' }] : [])`;

/** A folder with a config file using `use` and the given plugin modules; returns the config path. */
function setup(use: string, modules: Record<string, string>, extra = ''): string {
  const dir = tempDir({ ...modules, 'gateway.yaml': `log:\n  level: info\nplugins:\n  - use: ${use}\n${extra}` });
  return join(dir, 'gateway.yaml');
}

test('config - a plugin is loaded by a path relative to the config file', () => {
  const file = setup('./tmpchat.js', { 'tmpchat.js': manifest(valid) }, '    account: a1\n');
  const [inst] = load(file).instances;
  expect(inst).toMatchObject({ channel: 'tmpchat', account: 'a1', options: { greeting: 'hi' } });
});

test("config - a plugin's own cross-key check is reported at the key it names", () => {
  const file = setup('./tmpchat.js', { 'tmpchat.js': manifest(valid) }, '    botId: bot\n');
  expect(configError(file).issues).toEqual([
    expect.objectContaining({
      line: 5,
      col: 12,
      path: 'plugins[0].botId',
      message: 'botId "bot" is reserved',
      hint: 'use the id from the console',
    }),
  ]);
});

test('config - an unknown plugin name is reported at its use: line', () => {
  const file = setup('no-such-channel', {});
  const [issue, ...rest] = configError(file).issues;
  expect(rest).toEqual([]);
  expect(issue).toMatchObject({
    line: 4,
    col: 10,
    path: 'plugins[0].use',
    hint: 'built-in plugins: feishu, webchat, slack, telegram, dingtalk, wecom, discord; a third-party plugin must be installed first, under the exact package name its documentation gives (npm install <that name>), or given as a path such as ./plugins/my-channel',
  });
  expect(issue!.message).toMatch(/^plugin "no-such-channel" is neither built in nor an installed package/);
});

test('config - a plugin path that does not exist is reported with where it was looked for', () => {
  const file = setup('./plugins/missing.js', {});
  expect(configError(file).issues).toEqual([
    expect.objectContaining({
      line: 4,
      col: 10,
      message: `plugin "./plugins/missing.js" not found at ${join(file, '..', 'plugins/missing.js')}`,
      hint: 'paths are relative to the config file',
    }),
  ]);
});

test('config - a module that is not a plugin manifest is refused with what it lacks', () => {
  const file = setup('./helper.js', { 'helper.js': 'module.exports = { hello: () => 1 };\n' });
  expect(configError(file).issues).toEqual([
    expect.objectContaining({
      line: 4,
      col: 10,
      message:
        'plugin "./helper.js" has an invalid manifest: name must match ^[A-Za-z0-9_-]{1,64}$; apiVersion must be a whole number or a string such as "1.2" or "1.x" (got undefined); options must be a JSON Schema with type "object"; adapter must be an @injectable() class',
      hint: 'the module must default-export definePlugin({ name, apiVersion: 1, options, adapter })',
    }),
  ]);
});

test('config - a plugin written for another major API version is refused with what to upgrade', () => {
  const future = setup('./future.js', { 'future.js': manifest(valid.replace('apiVersion: 1', 'apiVersion: 2')) });
  expect(configError(future).issues).toEqual([
    expect.objectContaining({
      line: 4,
      col: 10,
      message: `plugin "./future.js" cannot run on this gateway: it needs plugin API 2.0, newer than this gateway's (chat-gateway ${version}, plugin API 1.2)`,
      hint: `upgrade chat-gateway to a release newer than ${version} that has plugin API 2.0 (docs/plugins.md lists which release added each), or use a version of the plugin made for plugin API 1.2`,
    }),
  ]);
  const past = setup('./past.js', { 'past.js': manifest(valid.replace('apiVersion: 1', 'apiVersion: 0')) });
  expect(configError(past).issues).toEqual([
    expect.objectContaining({
      message: `plugin "./past.js" cannot run on this gateway: it is made for plugin API 0, which this gateway no longer speaks (chat-gateway ${version}, plugin API 1.2)`,
      hint: 'upgrade the plugin to a version made for plugin API 1.x',
    }),
  ]);
});

test('config - apiVersion may name a minor: an older or any minor loads, a newer one is refused', () => {
  for (const v of ['1', "'1'", "'1.x'", "'1.0'"]) {
    const file = setup('./tmpchat.js', { 'tmpchat.js': manifest(valid.replace('apiVersion: 1', `apiVersion: ${v}`)) });
    expect(load(file).instances[0]).toMatchObject({ channel: 'tmpchat' });
  }
  const newer = setup('./newer.js', { 'newer.js': manifest(valid.replace('apiVersion: 1', "apiVersion: '1.3'")) });
  expect(configError(newer).issues[0]!.message).toBe(
    `plugin "./newer.js" cannot run on this gateway: it needs plugin API 1.3, newer than this gateway's (chat-gateway ${version}, plugin API 1.2)`,
  );
  const odd = setup('./odd.js', { 'odd.js': manifest(valid.replace('apiVersion: 1', "apiVersion: '^1.2'")) });
  expect(configError(odd).issues[0]!.message).toContain(
    'apiVersion must be a whole number or a string such as "1.2" or "1.x" (got "^1.2")',
  );
});

test('config - a plugin module that throws while loading is reported with its error', () => {
  const file = setup('./broken.js', { 'broken.js': "throw new Error('cannot find the SDK');\n" });
  expect(configError(file).issues).toEqual([
    expect.objectContaining({ line: 4, col: 10, message: 'plugin "./broken.js" failed to load: cannot find the SDK' }),
  ]);
});
