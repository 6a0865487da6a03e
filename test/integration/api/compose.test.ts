// docker-compose 1.29 (Debian's, on python3-docker) against `gantry system
// service`: a two-service project where the client reaches the web service by
// its service name on the project network; ps, logs, down.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Daemon, onPath, runClient, type Result } from './daemon-harness.js';

const COMPOSE = onPath('docker-compose');
const PROJECT = 'gantrycompose';
let d: Daemon;
let dir: string;

const COMPOSE_FILE = `version: "3.7"
services:
  web:
    image: busybox
    command: ["sh", "-c", "mkdir -p /www && echo from-web > /www/index.html && exec httpd -f -p 80 -h /www"]
  client:
    image: busybox
    depends_on: [web]
    command: ["sh", "-c", "for i in $$(seq 100); do timeout 5 wget -qO- http://web/ && break; sleep 0.2; done; exec sleep 1000"]
`;

const compose = (args: string[]): Promise<Result> => runClient(COMPOSE!, ['--ansi', 'never', '-p', PROJECT, ...args], { env: d.clientEnv(), cwd: dir, timeoutMs: 180_000 });

describe('docker-compose against gantry system service', { skip: COMPOSE ? false : 'no docker-compose (Debian\'s docker-compose package)', timeout: 300_000 }, () => {
  before(async () => {
    d = await Daemon.start();
    dir = await mkdtemp(join(tmpdir(), 'gantry-compose-'));
    await writeFile(join(dir, 'docker-compose.yml'), COMPOSE_FILE);
  });
  after(async () => {
    if (d && dir) await compose(['down', '--timeout', '1', '--volumes']);
    await d?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('up -d, one service reaches the other by name, ps, logs, down', async () => {
    const up = await compose(['up', '-d']);
    assert.equal(up.code, 0, `${up.stderr}\n--- daemon:\n${d.logs().slice(-2000)}`);

    let logs = '';
    for (let i = 0; i < 100 && !logs.includes('from-web'); i++) {
      logs = (await compose(['logs', '--no-color', 'client'])).stdout;
      if (!logs.includes('from-web')) await sleep(200);
    }
    assert.match(logs, /client_1\s+\| from-web/);

    const ps = await compose(['ps']);
    assert.equal(ps.code, 0, ps.stderr);
    for (const svc of ['web', 'client']) assert.match(ps.stdout, new RegExp(`^${PROJECT}_${svc}_1 .* Up`, 'm'));
    const q = (await compose(['ps', '-q'])).stdout.trim().split('\n');
    assert.equal(q.length, 2);

    const nets = (await d.api('GET', '/networks')).json<{ Name: string }[]>().map((n) => n.Name);
    assert.ok(nets.includes(`${PROJECT}_default`), nets.join(','));
    const labelled = (await d.api('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${PROJECT}`] }))}`)).json<unknown[]>();
    assert.equal(labelled.length, 2);

    const down = await compose(['down', '--timeout', '1']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await d.api('GET', '/containers/json?all=1')).json<unknown[]>().length, 0);
    assert.ok(!(await d.api('GET', '/networks')).json<{ Name: string }[]>().some((n) => n.Name === `${PROJECT}_default`));
  });
});
