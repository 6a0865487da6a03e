#!/bin/bash
# Runs the OCI runtime-tools validation suite against one or more runtimes and prints a
# side-by-side pass/fail table. runtime-tools is not part of Gantry: pass the path of a
# checkout in which `make runtimetest validation-executables` has been run.
#
#   bench/conformance/run.sh /work/rt-tools gantry=$PWD/bin/gantry-runtime crun=/usr/bin/crun
#
# A test passes when its executable exits 0 and prints no "not ok" line. Logs go to
# $CONFORMANCE_LOGS (default: a new directory under /tmp), one file per test and runtime.
# TESTS="linux_sysctl hostname" limits the run to those tests.
#
# Runtimes and tests run one at a time: the cgroup tests of every runtime use the same
# cgroup (/cgrouptest), so two runs side by side fail each other. Debian 12's Go 1.19
# builds runtime-tools up to commit 260e151 (later ones need Go 1.21's slices package).
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 <runtime-tools checkout> name=/abs/path/to/runtime..." >&2
  exit 2
fi
tools=$1; shift
if [ ! -x "$tools/runtimetest" ]; then
  echo "no $tools/runtimetest: run 'make runtimetest validation-executables' in $tools" >&2
  exit 2
fi
logs=${CONFORMANCE_LOGS:-$(mktemp -d /tmp/conformance.XXXXXX)}
mkdir -p "$logs"
per_test_timeout=${TEST_TIMEOUT:-120}

names=(); paths=()
for arg in "$@"; do
  names+=("${arg%%=*}"); paths+=("${arg#*=}")
done

if [ -n "${TESTS:-}" ]; then
  tests=($TESTS)
else
  tests=($(cd "$tools/validation" && ls -d */ | tr -d / | while read -r t; do
    [ -x "$t/$t.t" ] && echo "$t"; done))
fi

declare -A result
declare -A passed
for i in "${!names[@]}"; do passed[${names[$i]}]=0; done

cd "$tools" || exit 2
for t in "${tests[@]}"; do
  for i in "${!names[@]}"; do
    name=${names[$i]}; log="$logs/$t.$name.log"
    RUNTIME=${paths[$i]} timeout "$per_test_timeout" "./validation/$t/$t.t" >"$log" 2>&1
    rc=$?
    notok=$(grep -c '^not ok' "$log")
    ok=$(grep -c '^ok' "$log")
    if [ "$rc" -eq 0 ] && [ "$notok" -eq 0 ]; then
      result[$t.$name]="pass"; passed[$name]=$((passed[$name] + 1))
    elif [ "$rc" -eq 124 ]; then
      result[$t.$name]="TIMEOUT"
    else
      result[$t.$name]="FAIL($notok/$((ok + notok)))"
    fi
  done
done

printf '%-36s' test; for name in "${names[@]}"; do printf ' %-14s' "$name"; done; echo
for t in "${tests[@]}"; do
  printf '%-36s' "$t"
  for name in "${names[@]}"; do printf ' %-14s' "${result[$t.$name]}"; done
  echo
done
printf '%-36s' "passed (of ${#tests[@]})"
for name in "${names[@]}"; do printf ' %-14s' "${passed[$name]}"; done
echo
echo "logs: $logs"
