"""Run pytest with SIGINT and SIGQUIT at their default action (run-sandboxed.sh starts it as a background
job of a shell, which ignores both)."""
import signal
import sys

import pytest

for s in (signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, signal.SIG_DFL)
sys.exit(pytest.main(["-p", "no:cacheprovider"] + sys.argv[1:]))
