"""runsquiggle serves its port from several daphne processes (SQUIGGLE_WEB_PROCESSES), each able
to answer alone: a process busy rendering a large page does not hold up the others."""

from __future__ import annotations

import signal

import httpx
import psutil

from tests.live_squiggle import LiveSquiggle


def _web_processes(app: LiveSquiggle) -> list[psutil.Process]:
    return [child for child in psutil.Process(app.process.pid).children()
            if "daphne" in " ".join(child.cmdline())]


def test_every_web_process_listens_on_the_port_and_answers_alone(tmp_path):
    app = LiveSquiggle(tmp_path / "data", env={"SQUIGGLE_WEB_PROCESSES": "3",
                                               "SQUIGGLE_ANALYSIS_ML": "0"})
    with app.running():
        webs = _web_processes(app)
        assert len(webs) == 3
        for web in webs:
            assert any(c.status == psutil.CONN_LISTEN and c.laddr.port == app.port
                       for c in web.net_connections("tcp"))
        for serving in webs:
            others = [web for web in webs if web is not serving]
            for web in others:
                web.send_signal(signal.SIGSTOP)  # as if stuck rendering a page
            try:
                assert httpx.get(f"{app.url}/healthz", timeout=20).status_code == 200
            finally:
                for web in others:
                    web.send_signal(signal.SIGCONT)

