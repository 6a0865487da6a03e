// Docker-style generated names: "<adjective>_<scientist>".
const LEFT = ['admiring', 'brave', 'clever', 'dazzling', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen', 'loving', 'modest', 'nifty', 'optimistic', 'practical', 'quirky', 'relaxed', 'serene', 'tender', 'vibrant', 'wizardly', 'youthful', 'zealous'];
const RIGHT = ['archimedes', 'babbage', 'curie', 'darwin', 'euclid', 'fermat', 'galileo', 'hopper', 'johnson', 'kepler', 'lovelace', 'meitner', 'noether', 'pascal', 'ritchie', 'shannon', 'thompson', 'turing', 'volta', 'wozniak', 'yalow'];

const pick = <T>(a: readonly T[]) => a[Math.floor(Math.random() * a.length)]!;

export function generateName(attempt: number): string {
  const base = `${pick(LEFT)}_${pick(RIGHT)}`;
  return attempt > 0 ? `${base}${Math.floor(Math.random() * 10)}` : base;
}
