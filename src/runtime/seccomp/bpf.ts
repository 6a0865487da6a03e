// A tiny classic-BPF assembler: forward labels, and conditional jumps (8-bit
// offsets) that are rerouted through JA trampolines when their target is too far.
import { internal } from '../../errdefs/index.js';

export const BPF_LD_W_ABS = 0x20;
export const BPF_ALU_AND_K = 0x54;
export const BPF_JA = 0x05;
export const BPF_JEQ_K = 0x15;
export const BPF_JGT_K = 0x25;
export const BPF_JGE_K = 0x35;
export const BPF_RET_K = 0x06;

/** The kernel's BPF_MAXINSNS. */
export const BPF_MAX_INSNS = 4096;

export interface Label {
  at?: Insn;
}

interface Insn {
  code: number;
  k: number;
  /** Conditional targets; undefined means the next instruction. */
  jt?: Label;
  jf?: Label;
  /** JA target. */
  to?: Label;
}

export class BpfAssembler {
  private readonly insns: Insn[] = [];
  private pending: Label[] = [];

  label(): Label {
    return {};
  }

  /** Binds the label to the next instruction emitted. */
  bind(label: Label): void {
    this.pending.push(label);
  }

  load(offset: number): void {
    this.emit({ code: BPF_LD_W_ABS, k: offset });
  }

  and(mask: number): void {
    this.emit({ code: BPF_ALU_AND_K, k: mask >>> 0 });
  }

  jump(code: number, k: number, jt?: Label, jf?: Label): void {
    this.emit({ code, k: k >>> 0, jt, jf });
  }

  ja(to: Label): void {
    this.emit({ code: BPF_JA, k: 0, to });
  }

  ret(value: number): void {
    this.emit({ code: BPF_RET_K, k: value >>> 0 });
  }

  /** Resolves labels and encodes struct sock_filter[] (little-endian u16 code, u8 jt, u8 jf, u32 k). */
  assemble(): Buffer {
    if (this.pending.length > 0) throw internal('seccomp: label bound past the end of the program');
    this.insertTrampolines();
    const index = new Map(this.insns.map((insn, i) => [insn, i]));
    const offset = (from: number, label: Label | undefined): number => {
      if (label === undefined) return 0;
      const to = label.at === undefined ? undefined : index.get(label.at);
      if (to === undefined || to <= from) throw internal('seccomp: jump to an unbound or earlier label');
      return to - from - 1;
    };
    const out = Buffer.alloc(this.insns.length * 8);
    this.insns.forEach((insn, i) => {
      out.writeUInt16LE(insn.code, i * 8);
      out.writeUInt8(offset(i, insn.jt), i * 8 + 2);
      out.writeUInt8(offset(i, insn.jf), i * 8 + 3);
      out.writeUInt32LE(insn.code === BPF_JA ? offset(i, insn.to) : insn.k, i * 8 + 4);
    });
    return out;
  }

  private emit(insn: Insn): void {
    for (const l of this.pending) l.at = insn;
    this.pending = [];
    this.insns.push(insn);
  }

  private insertTrampolines(): void {
    for (;;) {
      const index = new Map(this.insns.map((insn, i) => [insn, i]));
      const far = (i: number, l: Label | undefined) => l !== undefined && (index.get(l.at as Insn) ?? 0) - i - 1 > 255;
      let changed = false;
      for (let i = this.insns.length - 1; i >= 0; i--) {
        const insn = this.insns[i] as Insn;
        const farT = far(i, insn.jt);
        const farF = far(i, insn.jf);
        if (!farT && !farF) continue;
        const next: Label = { at: this.insns[i + 1] };
        const tramps: Insn[] = [];
        const reroute = (target: Label | undefined, isFar: boolean): Label => {
          if (!isFar) return target ?? next;
          const t: Insn = { code: BPF_JA, k: 0, to: target };
          tramps.push(t);
          return { at: t };
        };
        insn.jt = reroute(insn.jt, farT);
        insn.jf = reroute(insn.jf, farF);
        this.insns.splice(i + 1, 0, ...tramps);
        changed = true;
      }
      if (!changed) return;
    }
  }
}
