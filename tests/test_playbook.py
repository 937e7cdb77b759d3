"""Playbooks: steps as data that override the heuristics where a portal is unusual."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configuration.loader import ConfigInvalid
from configuration.loader import load_all as load_config
from evidence import runs
from kiemtra.cli import run_cli
from kiemtra.errors import ConfigInvalid

PLAYBOOK = """\
# Tracking on this portal is read by selectors, not by the heuristics.
steps:
  track:
    - {action: open, target: "TRACK_URL"}
    - {action: fill, target: "input[name=ma_ho_so]", value: "{receipt}"}
    - {action: click, target: "form[action='/tra-cuu-ho-so'] button"}
    - {action: expect, target: ".trang-thai"}
"""


def with_playbook(world_config: Path, text: str, service_id: str = "bac-ninh-001") -> Path:
    (world_config / "playbooks").mkdir(exist_ok=True)
    (world_config / "playbooks" / "bac-ninh-tra-cuu.yaml").write_text(text, encoding="utf-8")
    agency = world_config / "agencies" / "bac-ninh.yaml"
    lines = agency.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == f"- id: {service_id}")
    indent = lines[at].index("- id:") + 2
    lines.insert(at + 1, " " * indent + "playbook: bac-ninh-tra-cuu")
    agency.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return world_config


@pytest.mark.parametrize("bad,expected", [
    ("steps:\n  trak:\n    - {action: open, target: x}\n", ["bac-ninh-tra-cuu.yaml:2: steps.trak:", "open, start_submission"]),
    ("steps:\n  track:\n    - {action: tap, target: x}\n", ["bac-ninh-tra-cuu.yaml:3: steps.track[0]:", "'tap'", "click"]),
    ("steps:\n  track:\n    - {action: click, taget: x}\n", ["steps.track[0]:", "taget", "action, target, value"]),
    ("track: []\n", ["bac-ninh-tra-cuu.yaml: steps: thiếu khóa steps"]),
    ("steps:\n  track:\n    - {action: click}\n", ["bac-ninh-tra-cuu.yaml:3: steps.track[0]:", "click thiếu target"]),
    ("steps:\n  track:\n    - {action: fill, target: '#ma'}\n", ["steps.track[0]:", "fill thiếu value"]),
    ("steps:\n  track:\n    - {action: open, target: x, value: y}\n", ["steps.track[0]:", "open không dùng value"]),
])
def test_bad_playbooks_fail_when_config_loads(world_config, bad, expected):
    with_playbook(world_config, bad)
    with pytest.raises(ConfigInvalid) as caught:
        load_config(world_config)
    message = str(caught.value.problems[0])
    for part in expected:
        assert part in message, message


@pytest.mark.e2e
def test_a_playbook_step_replaces_the_heuristic(world, world_config, capsys):
    track_url = world.urls["dvc:bac-ninh"] + "tra-cuu-ho-so"
    config = with_playbook(world_config, PLAYBOOK.replace("TRACK_URL", track_url))
    assert run_cli(["--config", str(config), "rerun", "bac-ninh-001"]) == 0
    capsys.readouterr()
    assert run_cli(["--config", str(config), "results", "--agency", "bac-ninh", "--json"]) == 0
    row = next(r for r in map(json.loads, capsys.readouterr().out.splitlines()) if r["id"] == "bac-ninh-001")
    assert (row["found_level"], row["mode"]) == (3, "direct")
    from evidence.store import Store

    with Store(load_config(config).settings.data) as store:
        track = next(s for s in runs.steps(store, row["run_id"]) if s["name"] == "track")
    assert json.loads(track["detail"])["playbook"][0] == f"open {track_url}"


def test_every_problem_of_a_playbook_is_reported_at_once(world_config):
    with_playbook(world_config, "steps:\n  trak: []\n  track:\n    - {action: tap, target: x}\n"
                                "    - {action: click, target: y}\n    - {action: fill, target: z}\n")
    with pytest.raises(ConfigInvalid) as caught:
        load_config(world_config)
    found = [str(p) for p in caught.value.problems]
    assert [f.split(": ")[0].rsplit("/", 1)[-1] for f in found] == [
        "bac-ninh-tra-cuu.yaml:2", "bac-ninh-tra-cuu.yaml:4", "bac-ninh-tra-cuu.yaml:6"], found


def test_a_playbook_parses_without_the_browser(tmp_path):
    from configuration.playbooks import PlaybookStep, load_playbook

    path = tmp_path / "p.yaml"
    path.write_text("steps:\n  submit:\n    - {action: fill, target: '#e', value: '{email} {nope}'}\n"
                    "    - {action: read, target: .ma-ho-so}\n", encoding="utf-8")
    steps = load_playbook(path)["submit"]
    assert steps == [PlaybookStep("fill", "#e", "{email} {nope}"), PlaybookStep("read", ".ma-ho-so", "")]
    assert steps[0].text({"email": "a@b.vn"}) == "a@b.vn {nope}"


def test_the_crawler_runs_exactly_the_primitives_configuration_declares(monkeypatch):
    from configuration import playbooks as declared
    from crawler.bot import citizen
    from crawler.bot import playbook as running

    assert set(running.PRIMITIVES) == set(declared.PRIMITIVES)
    assert tuple(citizen.FLOW) == declared.FLOW
    running._check_declared()
    monkeypatch.setitem(declared.PRIMITIVES, "hover", declared.Primitive("hover", "bộ chọn phần tử"))
    with pytest.raises(ImportError, match="hover"):
        running._check_declared()
    monkeypatch.delitem(declared.PRIMITIVES, "hover")
    monkeypatch.setattr(declared, "FLOW", (*declared.FLOW, "sign"))
    with pytest.raises(ImportError, match="FLOW"):
        running._check_declared()
