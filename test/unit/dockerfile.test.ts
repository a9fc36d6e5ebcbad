import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../core/config/load';
import { substituteEnv } from '../../core/config/env';

const root = join(__dirname, '../..');
const read = (name: string) => readFileSync(join(root, name), 'utf8');

/** Dockerfile instructions (continuation lines joined), grouped by build stage. */
function stages(text: string): Array<{ from: string; instructions: Array<{ op: string; args: string }> }> {
  const out: ReturnType<typeof stages> = [];
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') out.push({ from: args, instructions: [] });
    else out[out.length - 1]!.instructions.push({ op: op!.toUpperCase(), args });
  }
  return out;
}

const dockerfile = stages(read('Dockerfile'));
const [build, runtime] = [dockerfile[0]!, dockerfile[dockerfile.length - 1]!];
const npmCommands = (runs: string[]) =>
  runs.flatMap((r) =>
    r
      .split('&&')
      .map((c) => c.trim())
      .filter((c) => c.startsWith('npm ')),
  );
const runsOf = (stage: typeof build) => stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);

test('dockerfile - every COPY source from the build context exists and is not excluded by .dockerignore', () => {
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const sources = dockerfile
    .flatMap((s) => s.instructions)
    .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
    .flatMap((i) =>
      i.args
        .split(/\s+/)
        .filter((t) => !t.startsWith('--'))
        .slice(0, -1),
    );
  expect(sources.length).toBeGreaterThan(0);
  for (const src of sources) {
    expect(`${src}: ${existsSync(join(root, src)) ? 'exists' : 'missing'}`).toBe(`${src}: exists`);
    expect(ignored).not.toContain(src.split('/')[0]);
  }
});

test('dockerfile - the build stage runs the same install and build commands as CI', () => {
  const ci = npmCommands(
    read('.ci/run')
      .split('\n')
      .map((l) => l.trim()),
  ).filter((c) => c !== 'npm test');
  expect(
    ci.map((c) =>
      c
        .split(' ')
        .slice(0, c.startsWith('npm run ') ? 3 : 2)
        .join(' '),
    ),
  ).toEqual(['npm ci', 'npm run build']);
  expect(build.from).toBe('node:22-bookworm-slim AS build');
  expect(npmCommands(runsOf(build))).toEqual(ci);
});

test('node versions - engines, README, the Dockerfile and CI agree: LTS 22 and 24 supported, 20 still works', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
  expect(pkg.engines.node).toBe('>=20');
  expect(read('README.md')).toContain('Needs Node.js 22 or 24 (the LTS lines); 20 still works');
  expect(dockerfile.map((s) => s.from.split(' ')[0])).toEqual(['node:22-bookworm-slim', 'node:22-bookworm-slim']);
  const ci = read('.ci/run');
  expect(ci).toContain('Supported Node.js lines: 22 and 24');
  expect(ci).toMatch(/^ {2}22\|24\) ;;$/m);
  expect(ci).toMatch(/^ {2}20\) echo "ci: note: Node.js 20 is past its end of life/m);
});

test('dockerfile - the runtime stage installs production dependencies only and runs as node', () => {
  expect(npmCommands(runsOf(runtime))[0]).toMatch(/^npm ci --omit=dev\b/);
  expect(npmCommands(runsOf(runtime))).not.toContain('npm run build');
  expect(runtime.instructions).toContainEqual({ op: 'USER', args: 'node' });
  expect(runtime.instructions).toContainEqual({ op: 'ENTRYPOINT', args: '["node", "bin/chat-gateway.js"]' });
  expect(runtime.instructions).toContainEqual({ op: 'CMD', args: '["start"]' });
});

test('dockerfile - the health check probes the port the gateway listens on and exposes', () => {
  const env = runtime.instructions
    .filter((i) => i.op === 'ENV')
    .map((i) => i.args)
    .join(' ');
  expect(env).toContain('HTTP_LISTEN=0.0.0.0:8080');
  expect(env).toContain('CHAT_GATEWAY_CONFIG=/etc/chat-gateway/gateway.yaml');
  expect(runtime.instructions).toContainEqual({ op: 'EXPOSE', args: '8080' });
  expect(runtime.instructions.find((i) => i.op === 'HEALTHCHECK')!.args).toContain('http://127.0.0.1:8080/healthz');
  // The default config must read HTTP_LISTEN, or the gateway would listen on 127.0.0.1 only, unreachable from outside.
  expect(read('config/gateway.yaml')).toMatch(/listen: \$\{HTTP_LISTEN:-/);
});

test('dockerfile - the entry point finds the CLI the build produces', () => {
  expect(read('bin/chat-gateway.js')).toContain("path.join(__dirname, '..', 'dist', 'core', 'cli', 'main.js')");
  expect(existsSync(join(root, 'core/cli/main.ts'))).toBe(true);
  expect(JSON.parse(read('tsconfig.build.json')).include).toContain('core');
});

// compose.yaml: docker cannot run here, so check that it agrees with the Dockerfile, the files and the config.
const compose = parseYaml(read('compose.yaml')) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      environment?: Record<string, string>;
      volumes?: string[];
      ports?: string[];
      depends_on?: string[];
      restart?: string;
    }
  >;
  volumes?: Record<string, unknown>;
};
const imageEnv = Object.fromEntries(
  runtime.instructions
    .filter((i) => i.op === 'ENV')
    .flatMap((i) => i.args.split(/\s+/))
    .map((kv) => kv.split('=') as [string, string]),
);
const gatewayService = compose.services.gateway!;
const natsService = compose.services.nats!;
/** The gateway's environment as the container sees it: the image's ENV, then compose's (with an empty shell). */
const containerEnv = {
  ...imageEnv,
  ...Object.fromEntries(Object.entries(gatewayService.environment ?? {}).map(([k, v]) => [k, substituteEnv(String(v), {}).value])),
};

test('compose - the nats service runs nats:2.10 with JetStream, its store on a named volume', () => {
  expect(natsService.image).toBe('nats:2.10');
  expect(natsService.command).toEqual(['-js', '-sd', '/data']);
  expect(natsService.volumes).toEqual(['nats-data:/data']);
  expect(Object.keys(compose.volumes ?? {})).toContain('nats-data');
});

test('compose - the gateway is built from this Dockerfile and mounts an existing config folder read-only where the image reads it', () => {
  expect(gatewayService.build).toBe('.');
  expect(existsSync(join(root, gatewayService.build!, 'Dockerfile'))).toBe(true);
  const mounts = (gatewayService.volumes ?? []).map((v) => v.split(':'));
  expect(mounts).toHaveLength(1);
  const [source, target, mode] = mounts[0]!;
  expect(mode).toBe('ro');
  expect(existsSync(join(root, source!))).toBe(true);
  expect(imageEnv.CHAT_GATEWAY_CONFIG).toBe(`${target}/gateway.yaml`);
  expect(existsSync(join(root, source!, 'gateway.yaml'))).toBe(true);
});

test('compose - the gateway reaches the nats service, publishes the port the image serves, and restarts unless stopped', () => {
  expect(gatewayService.environment?.NATS_URL).toBe('nats://nats:4222');
  expect(gatewayService.depends_on).toEqual(['nats']);
  expect(gatewayService.restart).toBe('unless-stopped');
  const exposed = runtime.instructions.find((i) => i.op === 'EXPOSE')!.args;
  // Published on this machine only by default: the chat page and /metrics are not for the whole network.
  expect(gatewayService.ports).toEqual([`127.0.0.1:${exposed}:${exposed}`]);
  expect(imageEnv.HTTP_LISTEN).toBe(`0.0.0.0:${exposed}`);
});

test('compose - the mounted config, with the environment the container gets, is valid and points at the nats service and all interfaces', () => {
  const config = loadConfig(join(root, 'config/gateway.yaml'), { env: containerEnv });
  expect(config.nats.servers).toEqual(['nats://nats:4222']);
  expect(config.http.listen).toBe(imageEnv.HTTP_LISTEN);
  expect(config.instances.filter((i) => i.enabled).map((i) => `${i.channel}/${i.account}`)).toEqual(['webchat/default']);
  // Every variable compose passes is one the config reads: a misspelt name would be silently ignored.
  const text = read('config/gateway.yaml');
  for (const name of Object.keys(gatewayService.environment ?? {}))
    expect(`${name}: ${text.includes(`\${${name}`) ? 'read' : 'unused'}`).toBe(`${name}: read`);
});

test('compose - the echo agent runs from the same image, from a file the build produces, and talks to the nats service', () => {
  const echo = compose.services['echo-agent'] as (typeof compose.services)[string] & {
    entrypoint?: string[];
    healthcheck?: { disable?: boolean };
  };
  expect(echo.build).toBe('.');
  expect(echo.entrypoint).toEqual(['node', 'dist/examples/echo-agent.js']);
  expect(build.instructions).toContainEqual({ op: 'COPY', args: 'examples/echo-agent.ts ./examples/echo-agent.ts' });
  expect(JSON.parse(read('tsconfig.build.json')).include).toContain('examples');
  expect(read('.dockerignore').split('\n')).toContain('!examples/echo-agent.ts');
  expect(echo.environment?.NATS_URL).toBe(gatewayService.environment?.NATS_URL);
  expect(echo.depends_on).toEqual(['nats']);
  // The image's health check probes the gateway's HTTP port, which the agent does not serve.
  expect(echo.healthcheck).toEqual({ disable: true });
});

test('compose - the gateway gets the variables the default config reads for Feishu and the web chat', () => {
  for (const name of [
    'FEISHU_ENABLED',
    'FEISHU_APP_ID',
    'FEISHU_APP_SECRET',
    'FEISHU_ALLOW_FROM',
    'FEISHU_DOMAIN',
    'WEBCHAT_ENABLED',
    'WEBCHAT_TITLE',
    'WEBCHAT_TOKEN',
  ])
    expect(Object.keys(gatewayService.environment ?? {})).toContain(name);
  const env = { ...containerEnv, FEISHU_ENABLED: 'true', FEISHU_APP_ID: 'cli_0123456789abcdef', FEISHU_APP_SECRET: 'x'.repeat(32) };
  const feishu = loadConfig(join(root, 'config/gateway.yaml'), { env: { ...env, FEISHU_ALLOW_FROM: 'ou_a,ou_b', FEISHU_DOMAIN: 'lark' } })
    .instances[0]!;
  expect([feishu.allowFrom, feishu.options.domain]).toEqual([['ou_a', 'ou_b'], 'lark']);
  const unset = loadConfig(join(root, 'config/gateway.yaml'), { env }).instances[0]!;
  expect([unset.allowFrom, unset.options.domain]).toEqual([['*'], 'feishu']);
});

test('compose - `docker compose exec gateway chat-gateway ...` finds the CLI: the image links it onto PATH', () => {
  const workdir = runtime.instructions.find((i) => i.op === 'WORKDIR')!.args;
  expect(runtime.instructions).toContainEqual({ op: 'COPY', args: 'bin ./bin' });
  expect(runsOf(runtime)).toContain(`ln -s ${workdir}/bin/chat-gateway.js /usr/local/bin/chat-gateway`);
  expect(read('compose.yaml')).toContain('docker compose exec gateway chat-gateway status');
});
