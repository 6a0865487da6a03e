// One CRI runtime's pod cycle, timed: RunPodSandbox, CreateContainer,
// StartContainer, StopContainer, RemoveContainer, StopPodSandbox,
// RemovePodSandbox of a busybox pod, N times in one client process (so only
// the runtime's time is measured). Prints one JSON line: per-cycle ms.
// Usage: node dist/bench/cri/cycles.js unix:///path/to.sock CYCLES LOGDIR
import grpc from '@grpc/grpc-js';
import { loadCriServices } from '../../src/api/cri/proto.js';

const [address, cyclesArg, logDir] = process.argv.slice(2);
if (!address || !logDir) throw new Error('usage: cycles.js unix:///sock CYCLES LOGDIR');
const cycles = Number(cyclesArg ?? 20);
const services = loadCriServices();
const client = new services.RuntimeService(address, grpc.credentials.createInsecure());

/** Per RPC: the ms of every timed call, for the medians printed at the end. */
const perRpc = new Map<string, number[]>();
let timing = false;

function call<T = any>(method: string, req: object): Promise<T> {
  const t = process.hrtime.bigint();
  return new Promise<T>((resolve, reject) => {
    const fn = (client as unknown as Record<string, (r: object, cb: (e: Error | null, v: T) => void) => void>)[method]!;
    fn.call(client, req, (err, v) => (err ? reject(new Error(`${method}: ${err.message}`)) : resolve(v)));
  }).finally(() => {
    if (timing) perRpc.set(method, [...(perRpc.get(method) ?? []), Number(process.hrtime.bigint() - t) / 1e6]);
  });
}

async function cycle(i: number): Promise<void> {
  const config = {
    metadata: { name: `bench-${i}`, uid: `bench-uid-${process.pid}-${i}`, namespace: 'bench', attempt: 0 },
    hostname: `bench-${i}`,
    log_directory: `${logDir}/${i}`,
    linux: {},
  };
  const { pod_sandbox_id: pod } = await call('RunPodSandbox', { config });
  const { container_id: id } = await call('CreateContainer', {
    pod_sandbox_id: pod,
    sandbox_config: config,
    config: { metadata: { name: 'main', attempt: 0 }, image: { image: 'docker.io/library/busybox:latest' }, command: ['sleep', '1000'], log_path: 'main.log', linux: {} },
  });
  await call('StartContainer', { container_id: id });
  await call('StopContainer', { container_id: id, timeout: 0 });
  await call('RemoveContainer', { container_id: id });
  await call('StopPodSandbox', { pod_sandbox_id: pod });
  await call('RemovePodSandbox', { pod_sandbox_id: pod });
}

await cycle(-1); // warm-up: first-use costs (image unpack, CNI caches) are not the steady state
timing = true;
const times: number[] = [];
for (let i = 0; i < cycles; i++) {
  const t = process.hrtime.bigint();
  await cycle(i);
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
client.close();
const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
const sorted = [...times].sort((a, b) => a - b);
const rpcs = Object.fromEntries([...perRpc].map(([m, xs]) => [m, median(xs)]));
console.log(JSON.stringify({ cycles, median_ms: median(times), min_ms: Math.round(sorted[0]!), max_ms: Math.round(sorted.at(-1)!), rpc_median_ms: rpcs }));
