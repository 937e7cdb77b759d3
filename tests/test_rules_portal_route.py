"""R3/R5 portal route: a procedure not in CSDL TTHC counts once an inspector records the authority's page
that publishes it; the page is captured (screenshot, HTML, hashed, sealed) by a real Chromium from a
real server on a free port. An undecided `none` match is `not_checked`, never a false declaration."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from configuration.loader import load_all as load_config
from evidence import agencies, judgements, matches, runs
from evidence.recognition import recognitions
from evidence.store import Store
from office.scoring import service_figures
from tests.scoring_helpers import cli, config_dir  # noqa: F401  (config_dir is a fixture)

pytestmark = pytest.mark.usefixtures("store_dialect")   # every test on SQLite and on PostgreSQL

PAGE = "<html><head><title>Thủ tục cấp phép</title></head><body><h1>Thủ tục: Cấp giấy phép hoạt động</h1></body></html>"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        found = self.path == "/tthc/42"
        body = (PAGE if found else "không có").encode("utf-8")
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def portal():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_published_page_is_captured_and_the_service_then_counts(config_dir: Path, portal: str, capsys):
    config = load_config(config_dir)
    agency = config.agency("bac-ninh")
    sid = next(s.id for s in agency.services if s.declared_level >= 3)
    with Store(config.settings.data) as store:
        agencies.sync(store, config.agency_rows())
        matches.record_match(store, sid, "none", [], 12.0, [], [], "2026-01-01T00:00:00Z")
        run_id = runs.start(store, "service", sid, "bac-ninh")
        runs.finish(store, run_id, outcome="ok")
        runs.save_verdict(store, run_id, sid, {"level": None, "mode": "none", "outcome": "not_applicable",
                                               "reasons": [], "rules": []}, "test")
        assert recognitions(store, "bac-ninh")[sid].status == "not_checked"   # undecided none: no false zero
        assert service_figures(store, agency)["kt_dvctt_kiem_tra"].value == 0

    assert cli(config_dir, "match", "confirm", sid, "--by", "an", "--published-url", f"{portal}/khong-co") == 1
    with Store(config.settings.data) as store:
        assert judgements.latest_published_urls(store, "bac-ninh") == {}            # a dead page records nothing
    assert cli(config_dir, "match", "confirm", sid, "--by", "an", "--published-url", f"{portal}/tthc/42") == 0

    with Store(config.settings.data) as store:
        row = judgements.latest_published_urls(store, "bac-ninh")[sid]
        assert row["url"] == f"{portal}/tthc/42" and row["inspector"] == "an" and row["http_status"] == 200
        (step,) = runs.steps(store, row["run_id"])
        assert step["html_sha256"] == row["html_sha256"] and step["screenshot_sha256"]
        kept = next(a for a in runs.artifacts(store, row["run_id"]) if a["sha256"] == row["html_sha256"])
        html = Path(config.settings.data, "evidence").rglob(f"{row['html_sha256']}*")
        data = next(html).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["html_sha256"] and "Cấp giấy phép".encode() in data
        assert kept["sha256"] == row["html_sha256"]
        assert store.db.execute("select count(*) from manifests where run_id = ?", [row["run_id"]]).fetchone()[0] == 1
        # The next check of the service is a level check; once it passes, the published page is what it counts under.
        checked = runs.start(store, "service", sid, "bac-ninh")
        runs.finish(store, checked, outcome="ok")
        runs.save_verdict(store, checked, sid, {"level": 3, "mode": "direct", "outcome": "pass", "reasons": [],
                                                "rules": []}, "test")
        recognized = recognitions(store, "bac-ninh")[sid]
        figures = service_figures(store, agency)
    assert (recognized.status, recognized.level) == ("recognized", 3)
    assert figures["kt_dvctt_muc34"].value == 1 and f"{portal}/tthc/42" in figures["kt_dvctt_muc34"].evidence[0]
    assert figures["kt_dvctt_kiem_tra"].value == 1


def test_a_published_url_that_is_not_a_web_address_is_one_line_exit_2(config_dir: Path, capsys):
    assert cli(config_dir, "match", "confirm", "bac-ninh-003", "--by", "an", "--published-url", "ftp://x/y") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--published-url" in err


def test_a_published_procedure_passes_the_catalogue_rule_of_the_level_check():
    from checks.service_level import Observation, in_catalogue

    result = in_catalogue(Observation({}, 3, "published"))
    assert result.outcome == "pass" and "công bố" in result.reasons[0].text
