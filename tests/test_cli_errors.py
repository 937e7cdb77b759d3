"""Bad input ends in one Vietnamese line and a stable exit code, never a traceback.

Every command of the click tree has at least one bad-argument case below (a new command without one
fails `test_every_command_has_a_bad_argument_case`). Each case runs in-process through `run_cli`
with a temporary data folder (empty, or in a state from STORES: locked, corrupt, newer, sealed...)
and the repo's config/ or a copy with one file broken, and expects exit 2 (bad usage, config or
set-up), or 3 where another crawl holds the lock. Commands that start servers or browsers are given
a bad argument they must refuse before starting anything. `pytest -s` prints every message.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.nightly.lock import CrawlLock
from evidence.store import Store
from kiemtra import errors
from kiemtra.cli import main, run_cli
from tests.test_layout import walk

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Case:
    command: str              # the command's path in the click tree, without "kiemtra"
    args: tuple[str, ...]     # after `--config ... --data ...`; `{name}` is a file from `inputs`
    code: int = 2
    config: str = "repo"      # a key of BROKEN, "repo", "notconfig" or "nofolder"
    env: tuple[tuple[str, str], ...] = ()
    store: str = "empty"      # the data folder before the command: a key of STORES

    @property
    def id(self) -> str:
        return f"{self.command}:{' '.join(self.args)}"[:80]


def case(command: str, *args: str, code: int = 2, config: str = "repo", store: str = "empty", **env: str) -> Case:
    return Case(command, args, code, config, tuple(env.items()), store)


CASES = [
    case("config check", "config", "check", config="notconfig"),
    case("config check", "config", "check", config="broken"),
    case("config check", "config", "check", config="nofolder"),
    case("settings", "settings", config="broken"),
    case("settings", "settings", config="control"),
    case("settings", "settings", config="yamlfolder"),
    case("setup", "setup", "--no-such-option"),
    case("catalogue import", "catalogue", "import", "{missing.csv}"),
    case("catalogue import", "catalogue", "import", "{folder}"),
    case("catalogue import", "catalogue", "import", "{bad.json}"),
    case("catalogue import", "catalogue", "import", "{bad.xlsx}"),
    case("catalogue import", "catalogue", "import", "{bad.csv}"),
    case("catalogue import", "catalogue", "import", "{bad.txt}"),
    case("catalogue harvest", "catalogue", "harvest", "ftp://example.invalid/"),
    case("catalogue harvest", "catalogue", "harvest", "http://127.0.0.1:9/", "--rps", "nhanh"),
    case("catalogue history", "catalogue", "history", "9.999999"),
    case("lookup", "lookup", "Cấp phép xây dựng"),
    case("match run", "match", "run", "--agency", "khong-co"),
    case("match confirm", "match", "confirm", "khong-co", "--by", "an"),
    case("match confirm", "match", "confirm", "bac-ninh-003", "--by", "an", "--published-url", "không-phải-địa-chỉ"),
    case("match correct", "match", "correct", "bac-ninh-003", "1.2.3", "--by", "an"),
    case("match reject", "match", "reject", "khong-co", "--by", "an"),
    case("services counted", "services", "counted", "--agency", "khong-co"),
    case("crawl", "crawl", "--agency", "khong-co"),
    case("crawl", "crawl", "--budget", "mai"),
    case("crawl", "crawl", "--until", "25:99"),
    case("crawl", "crawl", "--agency", "bac-ninh", code=3, store="locked"),
    case("crawl", "crawl", "--distributed", "--agency", "bac-ninh"),   # a SQLite store: no cluster to publish to
    case("worker", "worker", "--concurrency", "0"),
    case("worker", "worker", "--burst"),                                # a SQLite store
    case("worker", "worker", KIEMTRA_DATABASE_URL="mysql://kiemtra@db/kiemtra"),
    case("worker", "worker", KIEMTRA_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"),
    case("queue", "queue", "--agency", "khong-co"),
    case("recheck", "recheck", "khong-co", "--reason", "phản ánh"),
    case("runs", "runs", "--agency", "khong-co"),
    case("runs", "runs", store="corrupt"),
    case("runs", "runs", store="newer"),
    case("runs", "runs", store="file"),
    case("keys init", "keys", "init", "--out", str(REPO / "khoa-thu.pem")),
    case("keys init", "keys", "init", "--out", "{bad.txt}/khoa.pem"),
    case("keys show", "keys", "show", KIEMTRA_SIGNING_KEY="không phải khóa"),
    case("evidence seal", "evidence", "seal", "khong-co"),
    case("evidence verify", "evidence", "verify", "khong-co"),
    case("evidence verify", "evidence", "verify", "--all", "--public-key", "{missing.pem}"),
    case("evidence verify", "evidence", "verify", "--all", "--public-key", "{bad.txt}"),
    case("evidence export", "evidence", "export", "khong-co", "-o", "{out.zip}"),
    case("evidence export", "evidence", "export", "{run}", "-o", "{folder}", store="sealed"),
    case("evidence export", "evidence", "export", "{run}", "-o", "{missing.zip}/goi.zip", store="sealed"),
    case("evidence wacz", "evidence", "wacz", "khong-co", "-o", "{out.zip}"),
    case("evidence wacz", "evidence", "wacz", "{run}", "-o", "{out.zip}", store="sealed"),
    case("evidence verify-bundle", "evidence", "verify-bundle", "{bad.zip}"),
    case("evidence verify-bundle", "evidence", "verify-bundle", "{empty.zip}"),
    case("evidence verify-bundle", "evidence", "verify-bundle", "{missing.zip}"),
    case("evidence verify-bundle", "evidence", "verify-bundle", "{empty.zip}", "--public-key", "{missing.pem}"),
    case("evidence verify-bundle", "evidence", "verify-bundle", "{broken.zip}"),
    case("evidence verify-bundle", "evidence", "verify-bundle", "{shapeless.zip}"),
    case("evidence dispute", "evidence", "dispute", "khong-co", "--note", "không đồng ý"),
    case("evidence dispute", "evidence", "dispute", "thu-nghiem-001", "--note", "không đồng ý", "--run", "khong-co",
         store="sealed"),
    case("serve", "serve", "--port", "tám-nghìn"),
    case("serve", "serve", "--host", "0.0.0.0"),
    case("serve", "serve", "--port", "99999"),
    case("users add", "users", "add", "kiem-tra-a", "--role", "admin"),
    case("users add", "users", "add", "dai-dien", "--role", "agency"),
    case("users add", "users", "add", "kiem tra", "--role", "viewer"),
    case("users list", "users", "list", config="broken"),
    case("users disable", "users", "disable", "khong-co"),
    case("serve", "serve", "--port", "{busy}"),
    case("serve", "serve", "--host", "khong-co-may-nay.invalid", KIEMTRA_SERVE_TOKEN="bi-mat"),
    case("portal check", "portal", "check", "--agency", "khong-co"),
    case("portal check", "portal", "check", "--viewport", "to"),
    case("portal criteria", "portal", "criteria", config="badcriteria"),
    case("review import", "review", "import", "{missing.csv}", "--inspector", "an"),
    case("review import", "review", "import", "{bad.csv}", "--inspector", "an"),
    case("review import", "review", "import", "{bad.xlsx}", "--inspector", "an"),
    case("review import", "review", "import", "{bad.txt}", "--inspector", "an"),
    case("review import", "review", "import", "{folder}", "--inspector", "an"),
    case("review status", "review", "status", "--agency", "khong-co"),
    case("review appraise", "review", "appraise", "khong-co", "c3-news", "2", "--appraiser", "td", "--reason", "r"),
    case("review appraise", "review", "appraise", "bac-ninh", "c3-news", "hai", "--appraiser", "td", "--reason", "r"),
    case("review appraise", "review", "appraise", "bac-ninh", "c3-news", "2", "--appraiser", "td", "--reason", " "),
    case("review history", "review", "history", "khong-co"),
    case("survey template", "survey", "template", "--group", "tinh", "-o", "{bad.txt}/phieu.xlsx"),
    case("survey import", "survey", "import", "{missing.xlsx}"),
    case("survey import", "survey", "import", "{bad.xlsx}"),
    case("survey import", "survey", "import", "{bad.csv}"),
    case("score", "score", "--year", "năm-ngoái"),
    case("score", "score", config="badscoring"),
    case("config check", "config", "check", config="badscoring"),
    case("report", "report", "--year", "2024", "-o", "{bad.txt}"),
    case("report", "report", "--year", "2024", "-o", "{bad.txt}/bao-cao"),
    case("confirm import", "confirm", "import", "{missing.xlsx}"),
    case("confirm import", "confirm", "import", "{bad.xlsx}"),
    case("confirm import", "confirm", "import", "{bad.csv}"),
    case("plan", "plan", "--agency", "khong-co"),
    case("rerun", "rerun", "khong-co"),
    case("rerun", "rerun", "bac-ninh-003", "--headed"),
    case("rerun", "rerun", "bac-ninh-003", "--inspector", "an"),
    case("judge", "judge", "khong-co", "--accept", "--reason", "x", "--inspector", "an"),
    case("judge", "judge", "bac-ninh-003", "--reason", "x", "--inspector", "an"),
    case("judge", "judge", "bac-ninh-003", "--accept", "--reason", "x", "--inspector", "an"),
    case("playbook draft", "playbook", "draft", "khong-co"),
    case("playbook draft", "playbook", "draft", "bac-ninh-001"),
    case("results", "results", "--agency", "khong-co"),
    case("verdicts", "verdicts"),
    case("world serve", "world", "serve", "--port", "bảy-nghìn"),
    case("world serve", "world", "serve", "--config-out", "{bad.txt}"),
    case("demo", "demo", "--agency", "khong-co"),
    case("demo", "demo", config="broken"),
]


def inputs(tmp: Path) -> dict[str, Path]:
    """Bad files of every kind a command reads: missing, not what its name says, empty, malformed."""
    files = {name: tmp / name for name in ("missing.csv", "missing.xlsx", "missing.zip", "missing.pem", "out.zip")}
    for name, content in {"bad.json": b"{khong phai json", "bad.xlsx": b"khong phai xlsx",
                          "bad.csv": "cột một,cột hai\n1,2\n".encode(), "bad.txt": b"\xff\xfe chu \x00",
                          "bad.zip": b"PK khong phai zip"}.items():
        (tmp / name).write_bytes(content)
        files[name] = tmp / name
    for name, members in {"empty.zip": {"index.html": "<p>không có bản kê</p>"},
                          "broken.zip": {"manifests/r.json": "{khong phai json"},
                          "shapeless.zip": {"manifests/r.json": "[1, 2]", "chain.json": "{}"}}.items():
        with zipfile.ZipFile(tmp / name, "w") as bundle:
            for member, text in members.items():
                bundle.writestr(member, text)
        files[name] = tmp / name
    (tmp / "folder").mkdir()
    files["folder"] = tmp / "folder"
    return files


# A copy of the repo's config/ with one file malformed.
BROKEN: dict[str, tuple[str, str | None]] = {
    "broken": ("agencies/bac-ninh.yaml", "id: bac-ninh\nservices: [\n  - id: {"),
    "badcriteria": ("criteria/portal.yaml", "criteria:\n  - {id: c3-intro, points: "),
    "badscoring": ("scoring.yaml", "categories: {c1: ["),
    "control": ("agencies/bac-ninh.yaml", "id: bac\x01ninh\n"),
    "yamlfolder": ("agencies/thu-muc.yaml", None),  # a folder named like an agency file
}


def config_folder(kind: str, tmp: Path) -> Path:
    if kind == "repo":
        return REPO / "config"
    if kind == "notconfig":
        (tmp / "notconfig").mkdir()
        (tmp / "notconfig" / "ghi-chu.txt").write_text("không phải cấu hình", encoding="utf-8")
        return tmp / "notconfig"
    if kind == "nofolder":
        return tmp / "khong-co-thu-muc"
    broken = tmp / kind
    shutil.copytree(REPO / "config", broken)
    name, text = BROKEN[kind]
    if text is None:
        (broken / name).mkdir()
    else:
        (broken / name).write_text(text, encoding="utf-8")
    return broken


def held_lock(data: Path) -> dict[str, str]:
    """Another live crawl (this very process) holds the store's lock."""
    with Store(data) as store:
        CrawlLock(store, "may-khac:1:abc", timedelta(hours=1), lambda: datetime.now(timezone.utc)).acquire()
    return {}


def corrupt(data: Path) -> dict[str, str]:
    data.mkdir()
    (data / "kiemtra.db").write_bytes(b"khong phai SQLite " * 64)
    return {}


def newer(data: Path) -> dict[str, str]:
    with Store(data) as store:
        store.db["_migrations"].insert({"name": "9999_tuong_lai", "applied_at": "2099-01-01T00:00:00Z"})
    return {}


def a_file(data: Path) -> dict[str, str]:
    data.write_text("không phải thư mục", encoding="utf-8")
    return {}


def sealed(data: Path) -> dict[str, str]:
    from tests.evidence_helpers import make_store

    store, ids = make_store(data, None, runs=1)
    store.close()
    return {"run": ids[0]}


# The data folder's state before the command; each returns more `{name}`s for the arguments.
STORES = {"empty": lambda data: {}, "locked": held_lock, "corrupt": corrupt, "newer": newer, "file": a_file,
          "sealed": sealed}


@pytest.fixture(autouse=True)
def _hermetic(monkeypatch, tmp_path):
    for name in ("KIEMTRA_CONFIG", "KIEMTRA_DATA", "KIEMTRA_SIGNING_KEY", "KIEMTRA_SERVE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the default key file lives under ~


def test_every_error_is_in_the_documented_tree_with_its_exit_code():
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.KiemtraError)]
    assert len(classes) >= 15
    for cls in classes:
        assert cls.__module__ == "kiemtra.errors"
        assert cls.exit_code in (1, 2, 3), cls
        drawn = re.search(rf"^ +[│├└─ ]*{cls.__name__} ", errors.__doc__ or "", re.MULTILINE)
        assert drawn, f"{cls.__name__} is missing from the tree in kiemtra/errors.py's docstring"


def test_every_command_has_a_bad_argument_case():
    leaves = {name.removeprefix("kiemtra ") for name, command in walk(main) if not hasattr(command, "commands")}
    assert sorted(leaves - {c.command for c in CASES}) == []
    assert sorted({c.command for c in CASES} - leaves) == []


@pytest.mark.parametrize("bad", CASES, ids=lambda c: c.id)
def test_bad_input_is_one_line_and_an_exit_code(bad, tmp_path, capfd, monkeypatch):
    files = inputs(tmp_path)
    data = tmp_path / "data"
    for name, value in bad.env:
        monkeypatch.setenv(name, value)
    names = {**{k: str(v) for k, v in files.items()}, **STORES[bad.store](data)}
    busy = socket.create_server(("127.0.0.1", 0))  # a port another program listens on
    names["busy"] = str(busy.getsockname()[1])
    args = [re.sub(r"\{([^}]+)\}", lambda m: names[m.group(1)], a) for a in bad.args]
    before = set(os.listdir(REPO))
    try:
        code = run_cli(["--config", str(config_folder(bad.config, tmp_path)), "--data", str(data), *args])
    except SystemExit as exc:  # pragma: no cover - run_cli must never exit the process
        pytest.fail(f"run_cli exited the process with {exc.code}")
    finally:
        busy.close()
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    assert code == bad.code, out + err
    said = [line for line in err.splitlines() if line.strip()]
    assert said, "an error must be said on stderr"
    assert len(said) == 1 and said[0].startswith("lỗi "), said  # click's usage errors too (`cli._usage_line`)
    print(bad.id, "→", code, said)  # shown with -s: the messages themselves, for review
    assert set(os.listdir(REPO)) == before  # nothing written into the source tree (e.g. a key)
