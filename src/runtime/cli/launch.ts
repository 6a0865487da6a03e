// Entry of bin/gantry-runtime after `npm run build`: the runtime CLI bundled into
// gantry-runtime.cjs (esbuild), started through V8's code cache, one per verb
// (see src/sys/code-cache-launch.ts), so a call neither resolves ~70 ES modules
// nor compiles 200 KB of source. Built by esbuild as launch.cjs.
import { dirname, join } from 'node:path';
import { launchBundle } from '../../sys/code-cache-launch.js';

const VERBS = ['create', 'start', 'run', 'state', 'list', 'kill', 'delete', 'exec', 'pause', 'resume', 'ps', 'update', 'events', 'features', 'spec'];

launchBundle(join(dirname(process.argv[1]!), 'gantry-runtime.cjs'), (args) => args.find((a) => VERBS.includes(a)));
