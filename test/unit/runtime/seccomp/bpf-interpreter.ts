// A classic-BPF interpreter for seccomp programs, enough to check compiled filters.
export interface SeccompData {
  nr: number;
  arch: number;
  args?: (number | bigint)[];
}

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
export const AUDIT_ARCH_ARM = 0x40000028;

function encode(d: SeccompData): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32LE(d.nr >>> 0, 0);
  b.writeUInt32LE(d.arch >>> 0, 4);
  (d.args ?? []).forEach((a, i) => b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(a)), 16 + 8 * i));
  return b;
}

/** Runs the filter like the kernel does and returns the SECCOMP_RET_* value. */
export function runFilter(program: Buffer, d: SeccompData): number {
  const data = encode(d);
  const n = program.length / 8;
  let a = 0;
  for (let pc = 0, steps = 0; pc < n; pc++, steps++) {
    if (steps > n) throw new Error('loop');
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: // ld [k]
        if (k % 4 !== 0 || k + 4 > 64) throw new Error(`bad load offset ${k}`);
        a = data.readUInt32LE(k);
        break;
      case 0x54: // and #k
        a = (a & k) >>> 0;
        break;
      case 0x05: // ja
        pc += k;
        break;
      case 0x15:
        pc += a === k ? jt : jf;
        break;
      case 0x25:
        pc += a > k ? jt : jf;
        break;
      case 0x35:
        pc += a >= k ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('fell off the end of the program');
}
