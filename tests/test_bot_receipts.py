"""Receipt codes by the national dossier-code pattern and the words around them; playbook drafts (issue 14)."""

from __future__ import annotations

import pytest

from configuration.playbooks import load_playbook
from crawler.bot.forms import best_choice, delivery_rank, meaning_of
from crawler.bot.session import find_receipt
from kiemtra.commands.playbook import draft_text
from kiemtra.errors import ConfigInvalid


@pytest.mark.parametrize("text,code", [
    ("Mã hồ sơ: 000.00.21.H10-261130-0002", "000.00.21.H10-261130-0002"),
    ("Số biên nhận\t000.02.18.H40-261201-0001\nTên thủ tục", "000.02.18.H40-261201-0001"),
    ("Mã số hồ sơ: H92.62-261201-0001", "H92.62-261201-0001"),
    ("Hồ sơ 000.00.21.H10-261130-0002 đã được tiếp nhận", "000.00.21.H10-261130-0002"),   # pattern, no words
    ("Mã số hồ sơ: G13.5-20261201-000123.", "G13.5-20261201-000123"),
    ("Ma ho so: 000.00.21.H10-261130-0002", "000.00.21.H10-261130-0002"),
])
def test_receipts_by_words_and_by_the_national_pattern(text, code):
    assert find_receipt(text) == code


@pytest.mark.parametrize("text", ["Tra cứu mã hồ sơ của tôi", "Mã hồ sơ: chưa có", "Ngày 01-12-2026", "Điện thoại 0912-345-678"])
def test_no_receipt_where_there_is_none(text):
    assert find_receipt(text) is None


def item(label: str, name: str = "x", placeholder: str = "", kind: str = "text") -> dict:
    return {"type": kind, "tag": "input", "name": name, "id": "", "placeholder": placeholder, "label": label}


@pytest.mark.parametrize("field,meaning", [
    (item("Ngày cấp CCCD", "ngay_cap", "dd/mm/yyyy"), "date"),
    (item("Ngày sinh (*)", "txtNgaySinh", "dd/mm/yyyy"), "birth_date"),
    (item("Số định danh cá nhân (*)", "txtSoDinhDanh"), "id_number"),
    (item("Số CCCD", "so_cccd"), "id_number"),
    (item("Nhập lại mật khẩu", "txtNhapLai", kind="password"), "password"),
    (item("Nhập mã số hồ sơ", "q", "Nhập mã số hồ sơ"), "receipt"),
])
def test_fields_are_read_by_their_label(field, meaning):
    assert meaning_of(field) == meaning


def test_the_delivery_choice_prefers_online_then_post():
    options = [("1", "Nhận trực tiếp tại Trung tâm Phục vụ hành chính công"), ("2", "Nhận qua dịch vụ bưu chính công ích"),
               ("3", "Nhận bản điện tử trực tuyến trên hệ thống")]
    assert best_choice(options) == options[2]
    assert best_choice(options[:2]) == options[1]
    assert best_choice([("a", "Vietcombank"), ("b", "VNPAY")]) == ("a", "Vietcombank")  # not about delivery: first
    assert delivery_rank("Nhận trực tiếp") == 2


STUCK = {"name": "submit", "outcome": "failed", "url": "http://dvc.test/nop", "detail": {"stuck": {
    "url": "http://dvc.test/nop?buoc=2", "title": "Nộp hồ sơ", "why": "thao tác không làm trang thay đổi",
    "controls": [{"selector": "#HoTen", "label": "Họ và tên", "type": "text", "meaning": "full_name"},
                 {"selector": "input[name=\"MaXa\"]", "label": "Mã xã", "type": "text", "meaning": "text"},
                 {"selector": "#Tep", "label": "Tờ khai", "type": "file", "meaning": "file"},
                 {"selector": "#CamKet", "label": "Cam đoan", "type": "checkbox", "meaning": "text"}],
    "candidates": [{"text": "Tiếp tục", "selector": "button:has-text(\"Tiếp tục\")", "score": 97.0}],
    "tried": [{"text": "Tiếp tục", "change": "nothing"}, {"text": "Tiếp tục", "change": "nothing"}]}}}


def test_a_playbook_draft_names_what_is_left_to_fill_and_loads_once_filled(tmp_path):
    text = draft_text("quang-ninh-001", "run-1", STUCK)
    draft = tmp_path / "draft.yaml"
    draft.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigInvalid) as caught:
        load_playbook(draft)
    problems = " | ".join(map(str, caught.value.problems))
    assert "fill thiếu value" in problems and "read thiếu target" in problems
    filled = (text.replace('target: "input[name=\\"MaXa\\"]"}', 'target: "input[name=\\"MaXa\\"]", value: "26734"}')
                  .replace("{action: read, value: receipt}", "{action: read, target: \".so-bien-nhan\", value: receipt}"))
    draft.write_text(filled, encoding="utf-8")
    playbook = load_playbook(draft)
    actions = [(s.action, s.target) for s in playbook["submit"]]
    assert actions[0] == ("open", "http://dvc.test/nop?buoc=2")
    assert ("fill", "#HoTen") in actions and ("upload", "#Tep") in actions and ("check", "#CamKet") in actions
    assert playbook["submit"][1].value == "{full_name}"
