export { compileSeccomp, SECCOMP_FILTER_FLAGS, type CompiledSeccomp } from './compile.js';
export { compileSeccompCached, canonicalJson } from './cache.js';
export { seccompArch, SUPPORTED_ARCHITECTURES, X32_SYSCALL_BIT, type SeccompArch } from './arch.js';
