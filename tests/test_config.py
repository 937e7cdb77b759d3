"""Config validation: each problem is one line naming file, line, field and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiemtra.cli import run_cli
from configuration.loader import load_config
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
