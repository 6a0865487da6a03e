// Flags create, run and exec share: where the pid goes, the console socket,
// extra fds. Paths are made absolute against the caller's cwd, as runc does,
// because the runtime may resolve them from another directory.
import { resolve } from 'node:path';
import { notImplemented } from '../../errdefs/index.js';
import type { LaunchOptions } from '../api.js';
import { flagInt, flagString, type FlagDef, type ParsedArgs } from './args.js';

export const LAUNCH_FLAGS: readonly FlagDef[] = [
  { names: ['console-socket'], kind: 'string', usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" },
  { names: ['pidfd-socket'], kind: 'string', usage: 'path to an AF_UNIX socket which will receive a file descriptor referencing the init process (not supported)' },
  { names: ['pid-file'], kind: 'string', usage: 'specify the file to write the process id to' },
  { names: ['preserve-fds'], kind: 'string', usage: 'Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)', defaultText: '0' },
];

export const BUNDLE_FLAGS: readonly FlagDef[] = [
  { names: ['bundle', 'b'], kind: 'string', usage: 'path to the root of the bundle directory, defaults to the current directory' },
  { names: ['no-pivot'], kind: 'bool', usage: 'do not use pivot root to jail process inside rootfs.' },
  { names: ['no-new-keyring'], kind: 'bool', usage: 'do not create a new session keyring for the container.' },
];

export function launchOptions(p: ParsedArgs): LaunchOptions {
  if (flagString(p, 'pidfd-socket')) throw notImplemented('--pidfd-socket is not supported by gantry-runtime');
  const pidFile = flagString(p, 'pid-file');
  const consoleSocket = flagString(p, 'console-socket');
  const preserveFds = flagInt(p, 'preserve-fds');
  return {
    ...(pidFile ? { pidFile: resolve(pidFile) } : {}),
    ...(consoleSocket ? { consoleSocket: resolve(consoleSocket) } : {}),
    ...(preserveFds ? { preserveFds } : {}),
  };
}

export const bundlePath = (p: ParsedArgs) => resolve(flagString(p, 'bundle') ?? '.');
