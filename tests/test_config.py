"""Config validation: each problem is one line naming file, line, field and fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from configuration.loader import load_all as load_config
from kiemtra.cli import run_cli
from kiemtra.errors import ConfigInvalid

GOOD_AGENCY = """\
id: bac-ninh
name: UBND tỉnh Bắc Ninh
group: tinh
portal: https://bacninh.gov.vn/
services:
  - id: bn-001
    name: Đăng ký khai sinh
    url: https://dichvucong.bacninh.gov.vn/dv/1
    declared_level: 3
    procedure_code: "1.001193"
    unit: UBND huyện Tiên Du
    field: Hộ tịch
  - id: bn-002
    name: Cấp giấy phép xây dựng
    url: https://dichvucong.bacninh.gov.vn/dv/2
    declared_level: 4
"""


def make_config(tmp_path: Path, agencies: dict[str, str], settings: str = "data: ./var\n") -> Path:
    root = tmp_path / "config"
    (root / "agencies").mkdir(parents=True)
    (root / "settings.yaml").write_text(settings, encoding="utf-8")
    for name, text in agencies.items():
        (root / "agencies" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def problems(root: Path) -> list[str]:
    with pytest.raises(ConfigInvalid) as caught:
        load_config(root)
    return [str(p) for p in caught.value.problems]


def test_good_config_loads(tmp_path):
    config = load_config(make_config(tmp_path, {"bac-ninh": GOOD_AGENCY}))
    agency = config.agency("bac-ninh")
    assert agency.group == "tinh"
    assert [s.declared_level for s in agency.services] == [3, 4]
    assert config.service("bn-002")[1].name == "Cấp giấy phép xây dựng"
    assert config.settings.data.is_absolute()


def test_shipped_config_is_valid():
    config = load_config()
    assert {a.group for a in config.agencies} >= {"bo", "tinh"}
    assert sum(len(a.services) for a in config.agencies) >= 40


@pytest.mark.parametrize("old,new,expected", [
    ("group: tinh", "group: province", ["bac-ninh.yaml:3: group:", "bo, cqtcp, tinh"]),
    ("declared_level: 4", "declared_level: 5", ["bac-ninh.yaml:16: services[1].declared_level:", "2, 3 hoặc 4"]),
    ("url: https://dichvucong.bacninh.gov.vn/dv/2", "url: dichvucong/dv/2", ["bac-ninh.yaml:15: services[1].url:", "http://"]),
    ("portal: https://bacninh.gov.vn/", "portal: ftp://bacninh.gov.vn/", ["bac-ninh.yaml:4: portal:", "http://"]),
    ('procedure_code: "1.001193"', 'procedure_code: "1001193"', ["services[0].procedure_code", "d.dddddd"]),
    ("    name: Cấp giấy phép xây dựng\n", "    name: '  '\n", ["services[1].name", "ghi tên"]),
    ("id: bn-002", "id: bn-001", ["bac-ninh.yaml:13: services[1].id:", "đã dùng", "duy nhất"]),
    ("    field: Hộ tịch\n", "    field: Hộ tịch\n    levle: 3\n", ["services[0].levle:", "không được biết"]),
    ("id: bac-ninh\n", "", ["bac-ninh.yaml: id: thiếu trường bắt buộc", "thêm trường id"]),
    ("id: bac-ninh\n", "id: bac-ninh-x\n", ["id 'bac-ninh-x' khác tên tệp", "đổi tên tệp"]),
])
def test_each_config_error_names_file_field_and_fix(tmp_path, old, new, expected):
    assert old in GOOD_AGENCY
    found = problems(make_config(tmp_path, {"bac-ninh": GOOD_AGENCY.replace(old, new, 1)}))
    assert len(found) == 1, found
    for part in expected:
        assert part in found[0], found[0]
    assert "\n" not in found[0]


def test_yaml_syntax_error_has_its_line(tmp_path):
    broken = GOOD_AGENCY.replace("    declared_level: 3\n", "    declared_level: [3\n")
    found = problems(make_config(tmp_path, {"bac-ninh": broken}))
    assert len(found) == 1
    assert "bac-ninh.yaml:" in found[0] and "YAML" in found[0]


def test_duplicate_service_ids_across_agencies(tmp_path):
    other = GOOD_AGENCY.replace("id: bac-ninh", "id: hue").replace("bn-002", "hue-002")
    found = problems(make_config(tmp_path, {"bac-ninh": GOOD_AGENCY, "hue": other}))
    assert len(found) == 1 and "hue.yaml" in found[0] and "'bn-001'" in found[0]


def test_unknown_playbook(tmp_path):
    text = GOOD_AGENCY.replace("    field: Hộ tịch\n", "    field: Hộ tịch\n    playbook: vnpt-igate\n")
    found = problems(make_config(tmp_path, {"bac-ninh": text}))
    assert "không có playbook 'vnpt-igate'" in found[0] and "playbooks/vnpt-igate.yaml" in found[0]


def test_bad_settings_and_env_override(tmp_path, monkeypatch):
    root = make_config(tmp_path, {}, settings="concurrency: 0\ntimeouts:\n  navigaton_s: 3\n")
    found = problems(root)
    assert any("settings.yaml:1: concurrency" in p for p in found)
    assert any("settings.yaml:3: timeouts.navigaton_s" in p for p in found)
    root2 = make_config(tmp_path / "b", {}, settings="concurrency: 3\n")
    monkeypatch.setenv("KIEMTRA_CONCURRENCY", "7")
    monkeypatch.setenv("KIEMTRA_TIMEOUTS_NAVIGATION_S", "12.5")
    settings = load_config(root2).settings
    assert settings.concurrency == 7 and settings.timeouts.navigation_s == 12.5
    assert load_config(root2, {"concurrency": 2}).settings.concurrency == 2


def test_every_command_refuses_bad_config(tmp_path, capsys):
    root = make_config(tmp_path, {"bac-ninh": GOOD_AGENCY.replace("group: tinh", "group: x")})
    for args in (["config", "check"], ["crawl"], ["runs"], ["settings"], ["demo"]):
        assert run_cli(["--config", str(root), *args]) == 2, args
        err = capsys.readouterr().err
        assert "bac-ninh.yaml:3: group:" in err, (args, err)


def test_config_check_ok_and_missing_folder(tmp_path, capsys):
    root = make_config(tmp_path, {"bac-ninh": GOOD_AGENCY})
    assert run_cli(["--config", str(root), "config", "check"]) == 0
    assert "1 cơ quan, 2 dịch vụ" in capsys.readouterr().out
    assert run_cli(["--config", str(tmp_path / "nope"), "config", "check"]) == 2
    assert "không tồn tại" in capsys.readouterr().err


# --- the one way in: every part of the folder, through load_all -------------------------------------

REPO = Path(__file__).resolve().parent.parent


def broken_copy(tmp_path: Path) -> Path:
    """The shipped config folder with one problem in each of criteria, scoring and a playbook."""
    import shutil

    root = tmp_path / "config"
    shutil.copytree(REPO / "config", root)
    (root / "settings.yaml").write_text(f"data: {tmp_path / 'var'}\n", encoding="utf-8")
    criteria = root / "criteria" / "portal.yaml"
    text = criteria.read_text(encoding="utf-8")
    assert "check: P-A10B-NEWS}" in text and "points: {bo: 6, cqtcp: 7, tinh: 6}, check: P-A10A-INTRO}" in text
    text = text.replace("check: P-A10B-NEWS}", "check: P-NOPE}")                      # an unknown check id
    text = text.replace("points: {bo: 6, cqtcp: 7, tinh: 6}, check: P-A10A-INTRO}",   # bo's total off by 10
                        "points: {bo: 16, cqtcp: 7, tinh: 6}, check: P-A10A-INTRO}")
    criteria.write_text(text, encoding="utf-8")
    scoring = root / "scoring.yaml"
    text = scoring.read_text(encoding="utf-8")
    assert "numerator: c1_cbccvc_may_tinh" in text
    scoring.write_text(text.replace("numerator: c1_cbccvc_may_tinh", "numerator: c1_nope", 1), encoding="utf-8")
    (root / "playbooks").mkdir(exist_ok=True)
    (root / "playbooks" / "hue-tra-cuu.yaml").write_text(
        "steps:\n  track:\n    - {action: open, target: 'https://dichvucong.thuathienhue.gov.vn/'}\n"
        "    - {action: tap, target: '#tra-cuu'}\n", encoding="utf-8")
    return root


def test_config_check_shows_every_problem_of_every_part(tmp_path, capsys):
    root = broken_copy(tmp_path)
    assert run_cli(["--config", str(root), "config", "check"]) == 2
    captured = capsys.readouterr()
    assert "Cấu hình hợp lệ" not in captured.out
    lines = captured.err.splitlines()

    def one(*parts: str) -> str:
        found = [line for line in lines if all(part in line for part in parts)]
        assert len(found) == 1, (parts, lines)
        return found[0]

    one("portal.yaml:", "check: không có phép kiểm tra 'P-NOPE'", "manual")
    # The criterion whose check is unknown is left out of the totals (bo 4, cqtcp 5, tinh 4 points).
    one("portal.yaml:", "points: tổng điểm nhóm bo là 106, phải là 100")
    one("portal.yaml:", "points: tổng điểm nhóm cqtcp là 95, phải là 100")
    one("portal.yaml:", "points: tổng điểm nhóm tinh là 96, phải là 100")
    one("scoring.yaml:", "criteria[0].numerator: không có số liệu 'c1_nope'")
    one("hue-tra-cuu.yaml:4: steps.track[1]:", "'tap'", "click")
    assert len(lines) == 6
    for line in lines:          # each problem on its own line, naming its file and line
        assert re.search(r"\.yaml:\d+: ", line), line


def test_shipped_config_passes_check_and_counts_every_part(capsys):
    assert run_cli(["config", "check"]) == 0
    out = capsys.readouterr().out
    config = load_config()
    assert config.criteria and config.scoring.table.criteria
    assert f"{len(config.criteria)} tiêu chí, {len(config.playbooks)} playbook" in out


def test_loading_config_imports_no_browser_nor_crawler():
    import subprocess
    import sys

    script = ("import sys\nfrom configuration.loader import load_all\n"
              "config = load_all()\n"
              "assert config.agencies and config.criteria and config.scoring\n"
              "print(sorted({m.split('.')[0] for m in sys.modules} & {'playwright', 'scrapy', 'crawler', 'office'}))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_settings_layers_defaults_file_environment_command_line(tmp_path, monkeypatch):
    root = make_config(tmp_path, {}, settings="concurrency: 3\ntimeouts:\n  step_s: 9\n  check_s: 99\n")
    monkeypatch.setenv("KIEMTRA_TIMEOUTS_CHECK_S", "77")
    monkeypatch.setenv("KIEMTRA_USER_AGENT", "kiemtra-thu")
    monkeypatch.setenv("KIEMTRA_SIGNING_KEY", "-----BEGIN PRIVATE KEY-----")   # a secret, not a setting
    monkeypatch.setenv("KIEMTRA_IMAP_PASSWORD", "bi-mat")
    settings = load_config(root, {"timeouts": {"navigation_s": 5}}).settings
    assert settings.timeouts.model_dump() == {"navigation_s": 5, "step_s": 9, "check_s": 77}
    assert (settings.concurrency, settings.user_agent, settings.politeness.per_host_rps) == (3, "kiemtra-thu", 2.0)
    assert "BEGIN" not in settings.model_dump_json() and "bi-mat" not in settings.model_dump_json()


def test_a_bad_environment_value_is_named_by_its_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("KIEMTRA_TIMEOUTS_NAVIGATION_S", "-1")
    found = problems(make_config(tmp_path, {}))
    assert len(found) == 1 and found[0].startswith("KIEMTRA_TIMEOUTS_NAVIGATION_S: giá trị '-1' không hợp lệ"), found


def test_settings_command_still_describes_every_setting(tmp_path, capsys, monkeypatch):
    import json

    monkeypatch.setenv("KIEMTRA_CONCURRENCY", "6")
    root = make_config(tmp_path, {"bac-ninh": GOOD_AGENCY})
    assert run_cli(["--config", str(root), "settings", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["concurrency"]["value"] == 6 and rows["concurrency"]["default"] == 4
    assert rows["timeouts.navigation_s"]["help"] and rows["signing.key_file"]["value"].endswith(".pem")


def test_commands_and_libraries_take_their_config_from_the_one_loader():
    # Only configuration/ reads the folder; everything else is handed a Config (State.load for commands).
    calls = re.compile(r"\b(load_scoring|load_criteria|load_table|load_playbook|load_config|load_all)\(")
    found = {path.relative_to(REPO).as_posix() for package in ("kiemtra", "crawler", "office", "evidence", "checks")
             for path in (REPO / package).rglob("*.py") if calls.search(path.read_text(encoding="utf-8"))}
    # world.py loads the second folder it writes for the demo world, through the same load_all.
    assert found == {"kiemtra/commands/base.py", "kiemtra/commands/world.py"}, found
