// `exec [flags] <id> [command...]`: runs a process in a running container.
// containerd and conmon pass `--process <file> --detach --pid-file P`; humans
// use the flag form. Everything after the id belongs to the process.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument, wrap } from '../../errdefs/index.js';
import type { Process, Spec } from '../../oci/runtime-spec.js';
import { flagBool, flagString } from './args.js';
import type { Verb } from './context.js';
import { processFromFlags, validateProcess } from './exec-process.js';
import { LAUNCH_FLAGS, launchOptions } from './launch-flags.js';

async function readJson<T>(path: string, step: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    throw wrap(step, err);
  }
}

export const verb: Verb = {
  name: 'exec',
  usage: '<container-id> <command> [command options]  || -p process.json <container-id>',
  description: 'The exec command executes a new process inside the container, by default the container\'s process settings.',
  args: { min: 1 },
  stopAtFirstArg: true,
  flags: [
    ...LAUNCH_FLAGS,
    { names: ['process', 'p'], kind: 'string', usage: 'path to the process.json' },
    { names: ['detach', 'd'], kind: 'bool', usage: 'detach from the container\'s process' },
    { names: ['tty', 't'], kind: 'bool', usage: 'allocate a pseudo-TTY' },
    { names: ['env', 'e'], kind: 'list', usage: 'set environment variables' },
    { names: ['cwd'], kind: 'string', usage: 'current working directory in the container' },
    { names: ['user', 'u'], kind: 'string', usage: 'UID (format: <uid>[:<gid>])' },
    { names: ['additional-gids', 'g'], kind: 'list', usage: 'additional gids' },
    { names: ['cap', 'c'], kind: 'list', usage: 'add a capability to the bounding set for the process' },
    { names: ['no-new-privs'], kind: 'bool', usage: 'set the no new privileges value for the process' },
    { names: ['ignore-paused'], kind: 'bool', usage: 'allow exec in a paused container' },
    { names: ['cgroup'], kind: 'list', usage: 'run the process in an (existing) sub-cgroup(s); accepted, the container\'s cgroup is used' },
    { names: ['apparmor'], kind: 'string', usage: 'set the apparmor profile for the process (not supported)' },
    { names: ['process-label'], kind: 'string', usage: 'set the asm process label for the process commonly used with selinux (not supported)' },
  ],
  async run(ctx, p) {
    const [id, ...args] = p.args as [string, ...string[]];
    const rt = await ctx.runtime();
    const processFile = flagString(p, 'process');
    let process: Process;
    if (processFile) {
      process = validateProcess(await readJson<Process>(processFile, `read process ${processFile}`));
    } else {
      if (args.length === 0) throw invalidArgument('exec: args must not be empty');
      const { bundle } = await rt.state(id);
      const spec = await readJson<Spec>(join(bundle, 'config.json'), 'read the container\'s config.json');
      if (!spec.process) throw invalidArgument('config.json has no process to base exec on');
      process = processFromFlags(spec.process, p, args);
    }
    const detach = flagBool(p, 'detach');
    const result = await rt.exec(id, { process, detach, ignorePaused: flagBool(p, 'ignore-paused'), ...launchOptions(p) });
    return detach ? 0 : (result.exitCode ?? 0);
  },
};
