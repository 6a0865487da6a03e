// testcontainers (Node, 11.x) against `gantry system service`, Ryuk disabled:
// a GenericContainer with a command and an exposed port, reached at
// getHost():getMappedPort() once testcontainers' own wait strategy passes,
// then exec, logs and stop (which removes it).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import Docker from 'dockerode';
import { GenericContainer, Wait } from 'testcontainers';
import { Daemon } from './daemon-harness.js';

let d: Daemon;
const saved: NodeJS.ProcessEnv = {};

function get(host: string, port: number): Promise<string> {
  return new Promise((res, rej) => {
    http.get({ host, port, path: '/', timeout: 10_000 }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res(body));
    }).on('error', rej);
  });
}

describe('testcontainers against gantry system service', { timeout: 300_000 }, () => {
  before(async () => {
    d = await Daemon.start();
    // testcontainers reads its configuration from this process's environment.
    const env = d.clientEnv();
    for (const k of ['DOCKER_HOST', 'DOCKER_CONFIG', 'TESTCONTAINERS_RYUK_DISABLED', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH']) {
      saved[k] = process.env[k];
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await d?.stop();
  });

  test('GenericContainer: command, exposed port, exec, logs, stop', async () => {
    const started = await new GenericContainer('busybox')
      .withCommand(['sh', '-c', 'mkdir /www && echo from-testcontainers > /www/index.html && echo serving && exec httpd -f -v -p 8080 -h /www'])
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(60_000)
      .start();
    const id = started.getId();
    try {
      const host = started.getHost();
      const port = started.getMappedPort(8080);
      assert.ok(port > 0);
      assert.equal((await get(host, port)).trim(), 'from-testcontainers');

      const ex = await started.exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
      assert.equal(ex.exitCode, 3);
      assert.equal(ex.stdout, 'out\n');
      assert.equal(ex.stderr, 'err\n');

      const logs = await started.logs();
      const text = await new Promise<string>((res) => {
        let s = '';
        logs.on('data', (c: Buffer | string) => {
          s += c;
          if (s.includes('serving')) {
            logs.destroy();
            res(s);
          }
        });
      });
      assert.match(text, /serving/);
    } finally {
      await started.stop({ timeout: 1_000 });
    }
    // stop() removes the container (and its anonymous volumes) by default.
    const docker = new Docker({ socketPath: d.socket });
    await assert.rejects(docker.getContainer(id).inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  });

  test('Wait.forLogMessage sees the container output; exec sees its process', async () => {
    const c = await new GenericContainer('busybox')
      .withCommand(['sh', '-c', 'echo ready-now; exec sleep 1000'])
      .withWaitStrategy(Wait.forLogMessage('ready-now'))
      .withStartupTimeout(60_000)
      .start();
    try {
      // The log line comes just before the shell execs sleep: look again until it has.
      let cmdline = '';
      for (let i = 0; i < 50 && cmdline !== 'sleep 1000'; i++) {
        if (i) await new Promise((r) => setTimeout(r, 100));
        cmdline = (await c.exec(['cat', '/proc/1/cmdline'])).output.replace(/\0/g, ' ').trim();
      }
      assert.equal(cmdline, 'sleep 1000');
    } finally {
      await c.stop({ timeout: 1_000 });
    }
  });
});
