// `gantry completion bash`: a bash completion script generated from the
// command specs (commands, group verbs, each command's flags), completing
// container, image, volume and network names by asking gantry itself, with
// the --root/--runroot/--host typed on the command line.
import type { Command } from '../command.js';
import type { CommandSpec } from '../flags.js';
import { UsageError } from '../flags.js';
import { GLOBAL_SPEC } from '../global-spec.js';
import { GROUPS, topLevelNames } from '../resolve.js';

/** The names an argument of a usage line stands for. */
const KINDS: [RegExp, string][] = [
  [/NAME\|ID/, 'containers images'],
  [/CONTAINER/, 'containers'],
  [/IMAGE|REPOSITORY/, 'images'],
  [/VOLUME/, 'volumes'],
  [/NETWORK/, 'networks'],
];

const flagWords = (spec: CommandSpec, valued: boolean) =>
  spec.flags
    .filter((f) => !f.hidden && (f.type !== 'bool') === valued)
    .flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])])
    .join(' ');

/** Words a shell may split on are not in our generated names; quote for a bash double-quoted string anyway. */
const q = (s: string) => `"${s.replace(/["\\$`]/g, '\\$&')}"`;

export function bashCompletion(prog: string, commands: Map<string, Command>): string {
  const specCases = [...commands]
    .map(([module, { spec }]) => {
      const kinds = [...new Set(KINDS.filter(([re]) => re.test(spec.usage)).flatMap(([, k]) => k.split(' ')))].join(' ');
      return `    ${module}) flags=${q(flagWords(spec, false) + ' ' + flagWords(spec, true) + ' --help')}; valued=${q(flagWords(spec, true))}; kinds=${q(kinds)} ;;`;
    })
    .join('\n');
  const moduleCases = [
    ...Object.entries(GROUPS).flatMap(([group, g]) => [
      ...Object.entries(g.verbs).filter(([, m]) => commands.has(m)).map(([verb, m]) => `    "${group} ${verb}") echo ${m} ;;`),
      ...Object.entries(g.aliases).filter(([, v]) => commands.has(g.verbs[v]!)).map(([alias, v]) => `    "${group} ${alias}") echo ${g.verbs[v]} ;;`),
    ]),
    ...[...commands.keys()].filter((m) => !m.includes('-')).map((m) => `    "${m} "*) echo ${m} ;;`),
  ].join('\n');
  const groupCases = Object.entries(GROUPS)
    .map(([group, g]) => `    ${group}) echo ${q(Object.keys(g.verbs).filter((v) => commands.has(g.verbs[v]!)).join(' '))} ;;`)
    .join('\n');
  const globalValued = flagWords(GLOBAL_SPEC, true);
  const globalFlags = `${flagWords(GLOBAL_SPEC, false)} ${globalValued}`;
  const commandWords = topLevelNames().filter((n) => commands.has(n) || n in GROUPS);
  const fn = `_${prog}`;
  return `# bash completion for ${prog}; load with: source <(${prog} completion bash)

# Sets flags, valued (flags that take a value) and kinds (names the arguments are) for a command module.
__${prog}_spec() {
  flags="" valued="" kinds=""
  case $1 in
${specCases}
  esac
}

# The module the command words name: "container ls" is ps, "run" is run.
__${prog}_module() {
  case "$1 $2" in
${moduleCases}
  esac
}

__${prog}_group_verbs() {
  case $1 in
${groupCases}
  esac
}

# Names of one kind, listed by ${prog} itself with the global flags typed ("$@").
__${prog}_names() {
  local kind=$1 prog=$2
  shift 2
  case $kind in
    containers) "$prog" "$@" ps -a --format '{{.Names}}' ;;
    images) "$prog" "$@" images --format '{{if ne .Repository "<none>"}}{{.Repository}}{{if ne .Tag "<none>"}}:{{.Tag}}{{end}}{{else}}{{.ID}}{{end}}' ;;
    volumes) "$prog" "$@" volume ls --format '{{.Name}}' ;;
    networks) "$prog" "$@" network ls --format '{{.Name}}' ;;
  esac 2>/dev/null
}

${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} prog=\${COMP_WORDS[0]}
  local -a globals=()
  local i=1 w
  # Global flags come first; the ones that say where the engine is are kept for listing names.
  while [ "$i" -lt "$COMP_CWORD" ]; do
    w=\${COMP_WORDS[i]}
    case " ${globalValued} " in
      *" $w "*) globals+=("$w" "\${COMP_WORDS[i+1]}"); i=$((i + 2)); continue ;;
    esac
    case $w in
      -*) globals+=("$w"); i=$((i + 1)) ;;
      *) break ;;
    esac
  done
  if [ "$i" -ge "$COMP_CWORD" ]; then
    case " ${globalValued} " in *" $prev "*) COMPREPLY=(); return ;; esac
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W ${q(globalFlags)} -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${q(commandWords.join(' '))} -- "$cur"))
    fi
    return
  fi
  local first=\${COMP_WORDS[i]} verbs
  verbs=$(__${prog}_group_verbs "$first")
  if [ -n "$verbs" ] && [ "$((i + 1))" -eq "$COMP_CWORD" ]; then
    COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
    return
  fi
  local second=""
  [ -n "$verbs" ] && second=\${COMP_WORDS[i+1]}
  local module flags valued kinds
  module=$(__${prog}_module "$first" "$second")
  [ -z "$module" ] && return
  if [ "$module" = completion ]; then
    COMPREPLY=($(compgen -W "bash" -- "$cur"))
    return
  fi
  __${prog}_spec "$module"
  case " $valued " in *" $prev "*) COMPREPLY=(); return ;; esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return
  fi
  local names="" k
  for k in $kinds; do names+=" $(__${prog}_names "$k" "$prog" "\${globals[@]}")"; done
  COMPREPLY=($(compgen -W "$names" -- "$cur"))
  # Image names have colons, which bash splits words on; bash-completion knows how to cope.
  if declare -F __ltrim_colon_completions >/dev/null; then __ltrim_colon_completions "$cur"; fi
}

complete -F ${fn} ${prog}
`;
}

export const command: Command = {
  spec: {
    name: 'completion',
    usage: 'bash',
    description: 'Generate the autocompletion script for the specified shell',
    minArgs: 1,
    maxArgs: 1,
    flags: [],
  },
  async run(ctx, { args }) {
    if (args[0] !== 'bash') throw new UsageError(`unsupported shell "${args[0]}": only bash completion is available`);
    const { loadCommands } = await import('../help.js');
    ctx.stdout.write(bashCompletion(ctx.prog, await loadCommands()));
  },
};
