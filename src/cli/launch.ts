// Entry of bin/gantry after `npm run build`: the CLI bundled into gantry.cjs
// (esbuild), started through V8's code cache, one per command (see
// src/sys/code-cache-launch.ts). Built by esbuild as launch.cjs.
import { dirname, join } from 'node:path';
import { launchBundle } from '../sys/code-cache-launch.js';
import { commandName } from './command-name.js';

launchBundle(join(dirname(process.argv[1]!), 'gantry.cjs'), commandName);
