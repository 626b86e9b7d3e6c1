#!/bin/sh
# run-sandboxed.sh [pytest args...] — run the integration tests in a private pid and mount namespace.
#
# A runtime under development that signals the wrong pid (kill(-1), a stale pid, a wrong cgroup) can then
# only reach processes of this test run, never the developer's shell or the machine's own processes; mounts
# a runtime leaks stay in the private mount namespace. Cgroups are still the host's: the harness only ever
# touches /hulltest/<container id>.
#   HULL_RUNTIME=/usr/sbin/runc tests/integration/run-sandboxed.sh tests/integration/test_states.py -q
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
: "${HULL_BUILD:=$repo/build}"
export HULL_BUILD
# The shell's background job starts with SIGINT/SIGQUIT ignored; _pytest_dfl.py puts them back before
# running pytest, so containers do not inherit an ignored SIGINT from the sandbox.
# pid 1 of the namespace is a shell that waits: its wait reaps the orphans reparented to it (a killed
# container's init among them); pytest as pid 1 would leave them zombies and runtimes would wait on them.
exec unshare --pid --fork --mount-proc --propagation private \
	/bin/sh -c '/usr/bin/python3 "$0" "$@" & wait $!' "$here/_pytest_dfl.py" "$@"
