"""runsquiggle serves its port from several daphne processes (SQUIGGLE_WEB_PROCESSES), each able
to answer alone: a process busy rendering a large page does not hold up the others, and what one
process learns (failed sign-ins) the others know."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psutil

from tests.live_squiggle import LiveSquiggle


def _web_processes(app: LiveSquiggle) -> list[psutil.Process]:
    return [child for child in psutil.Process(app.process.pid).children()
            if "daphne" in " ".join(child.cmdline())]


@contextmanager
def _only(serving: psutil.Process, webs: list[psutil.Process]) -> Iterator[None]:
    """Every web process but `serving` paused, as if stuck rendering a page."""
    others = [web for web in webs if web is not serving]
    for web in others:
        web.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        for web in others:
            web.send_signal(signal.SIGCONT)


def test_every_web_process_listens_on_the_port_and_answers_alone(tmp_path, analysed_demo):
    app = LiveSquiggle(tmp_path / "data", env={"SQUIGGLE_WEB_PROCESSES": "3",
                                               "SQUIGGLE_ANALYSIS_ML": "0"},
                       seed=analysed_demo)
    with app.running():
        webs = _web_processes(app)
        assert len(webs) == 3
        for web in webs:
            assert any(c.status == psutil.CONN_LISTEN and c.laddr.port == app.port
                       for c in web.net_connections("tcp"))
        for serving in webs:
            with _only(serving, webs):
                assert httpx.get(f"{app.url}/healthz", timeout=20).status_code == 200


def _wrong_sign_in(app: LiveSquiggle) -> int:
    """One wrong password for the app's user, on a connection of its own."""
    with httpx.Client(base_url=app.url, timeout=20) as client:
        client.get("/accounts/login/")
        return client.post("/accounts/login/", data={
            "username": app.username, "password": "not-the-password",
            "csrfmiddlewaretoken": client.cookies["csrftoken"]}).status_code


def test_failed_sign_ins_are_counted_across_web_processes(tmp_path, analysed_demo):
    app = LiveSquiggle(tmp_path / "data", env={"SQUIGGLE_WEB_PROCESSES": "2",
                                               "SQUIGGLE_ANALYSIS_ML": "0",
                                               "SQUIGGLE_LOGIN_FAILURE_LIMIT": "4"},
                       seed=analysed_demo)
    with app.running():
        webs = _web_processes(app)
        statuses = []
        for attempt in range(5):
            with _only(webs[attempt % 2], webs):  # the processes take turns answering
                statuses.append(_wrong_sign_in(app))
        assert statuses == [200, 200, 200, 429, 429]
