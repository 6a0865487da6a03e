// A parsed Dockerfile as build stages: the global ARGs before the first FROM,
// each stage's base (an image, `scratch`, or an earlier stage) and steps, and
// which stages a target needs (its base chain and every COPY --from), so that
// only those are built, independent ones side by side.
import { invalidArgument } from '../errdefs/index.js';
import type { Dockerfile, Instruction } from './dockerfile/parse.js';
import { expandWord, type Lookup } from './dockerfile/expand.js';

export interface Stage {
  index: number;
  /** `AS name`, lower-cased. */
  name?: string;
  from: Instruction;
  /** The FROM argument with global ARGs expanded: an image reference, "scratch", or a stage name. */
  base: string;
  /** The stage this one is based on, when base names one. */
  baseStage?: number;
  platform?: string;
  steps: Instruction[];
  /** Stages whose files COPY --from takes (by name or index). */
  copiesFrom: number[];
}

export interface BuildPlan {
  globalArgs: Instruction[];
  stages: Stage[];
}

export function planStages(df: Dockerfile, globalLookup: Lookup, escape: string): BuildPlan {
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of df.instructions) {
    if (ins.keyword === 'FROM') {
      const base = expandWord(ins.args[0]!, globalLookup, escape);
      const platform = ins.flags.platform?.[0] !== undefined ? expandWord(ins.flags.platform[0], globalLookup, escape) : undefined;
      const byName = stages.find((s) => s.name === base.toLowerCase());
      stages.push({
        index: stages.length,
        ...(ins.stageName ? { name: ins.stageName } : {}),
        from: ins,
        base,
        ...(byName ? { baseStage: byName.index } : {}),
        ...(platform ? { platform } : {}),
        steps: [],
        copiesFrom: [],
      });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) {
      globalArgs.push(ins);
      continue;
    }
    stage.steps.push(ins);
    const from = ins.keyword === 'COPY' ? ins.flags.from?.[0] : undefined;
    if (from !== undefined) {
      const ref = stageRef(stages, from, stage.index);
      if (ref !== undefined) stage.copiesFrom.push(ref);
    }
  }
  return { globalArgs, stages };
}

/** The stage a `--from` names (name or index before this one), or undefined for an image. */
export function stageRef(stages: readonly Stage[], from: string, before: number): number | undefined {
  if (/^\d+$/.test(from)) {
    const i = Number(from);
    if (i >= before) throw invalidArgument(`invalid from flag value ${from}: refers to current or future build stage`);
    return i;
  }
  return stages.slice(0, before).find((s) => s.name === from.toLowerCase())?.index;
}

/** The target stage (by --target name, else the last). */
export function targetStage(plan: BuildPlan, target?: string): Stage {
  if (target) {
    const s = plan.stages.find((x) => x.name === target.toLowerCase());
    if (!s) throw invalidArgument(`failed to reach build target ${target} in Dockerfile`);
    return s;
  }
  return plan.stages[plan.stages.length - 1]!;
}

/** Every stage the target needs, dependencies first. */
export function neededStages(plan: BuildPlan, target: Stage): Stage[] {
  const need = new Set<number>();
  const visit = (i: number) => {
    if (need.has(i)) return;
    need.add(i);
    const s = plan.stages[i]!;
    if (s.baseStage !== undefined) visit(s.baseStage);
    for (const d of s.copiesFrom) visit(d);
  };
  visit(target.index);
  return plan.stages.filter((s) => need.has(s.index));
}
