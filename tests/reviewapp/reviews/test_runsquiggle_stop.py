"""runsquiggle stops on Ctrl-C (SIGINT) within its grace period, also when it was started with
SIGINT ignored, as a background job of a shell script (`make run &`) starts it."""

from __future__ import annotations

import signal
import time

from reviewapp.reviews.management.commands.runsquiggle import STOP_GRACE_S
from tests.live_squiggle import LiveSquiggle


def test_ctrl_c_stops_runsquiggle_started_with_sigint_ignored(tmp_path, analysed_demo):
    app = LiveSquiggle(tmp_path / "data", env={"SQUIGGLE_ANALYSIS_ML": "0"},
                       seed=analysed_demo)
    app.prepare()
    inherited = signal.signal(signal.SIGINT, signal.SIG_IGN)  # what `cmd &` in a script does
    try:
        app.start()
    finally:
        signal.signal(signal.SIGINT, inherited)
    started = time.monotonic()
    app.stop()  # SIGINT, then SIGKILL after 30 s
    assert time.monotonic() - started < STOP_GRACE_S + 5
