"""The portal habits of issue 14, each walked end to end in a real Chromium against the demo world.

The vendor styles D, E, F, G, H, and the announcement laid over a service page (A, D), were built before the
bot learnt them (bench/bench_generalization.py gives the before/after figures). Each test checks one service
the way a crawl does and reads, from the stored steps, that the verdict came from what the bot did there: a
wizard walked to its confirmation page, an account reused, a frame on another host, a hover menu, a
script-drawn result, a notice closed, a component kit's lists, calendars and ticks, a browser's dialogs and windows.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

import pytest

from configuration.loader import load_all
from crawler.bot import accounts
from crawler.browser.launch import chromium
from crawler.visits.service import check_service
from evidence import agencies, runs
from evidence.store import Store

pytestmark = pytest.mark.e2e

CAPTURE_OFF = {"screenshots": False, "html": False, "video": False, "trace": False}


@pytest.fixture()
def checker(world, world_config, tmp_path):
    """check(*service_ids) → {service_id: (verdict, {step name: detail})}, in one browser, in order."""
    world.reset()
    accounts.forget_all()
    config = load_all(world_config, {"data": str(tmp_path / "var"), "capture": CAPTURE_OFF})

    async def run(ids: tuple[str, ...]) -> dict:
        out = {}
        async with chromium(config.settings) as browser:
            with Store(config.settings.data) as store:
                agencies.sync(store, config.agency_rows())
                for service_id in ids:
                    agency, service = config.service(service_id)
                    done = await check_service(browser, agency, service, store, config.settings)
                    steps = {s["name"]: json.loads(s["detail"]) for s in runs.steps(store, done.run_id)}
                    out[service_id] = (done.verdict, steps)
        return out

    yield lambda *ids: asyncio.run(run(ids))
    accounts.forget_all()


def truth(answer_key, service_id):
    t = answer_key["services"][service_id]
    return t["true_level"], t["mode"], t["decree42"]


def checked_right(checker, answer_key, ids):
    """Check `ids` in order; each verdict's level, mode and Decree 42 class must be the answer key's."""
    seen = checker(*ids)
    for service_id in ids:
        verdict, _ = seen[service_id]
        assert (verdict.level, verdict.mode, verdict.decree42) == truth(answer_key, service_id), service_id
    return seen


def test_wizard_with_a_confirmation_page_and_a_table_form_registration(checker, answer_key):
    verdict, steps = checker("quang-ninh-001")["quang-ninh-001"]
    assert (verdict.level, verdict.mode, verdict.decree42) == truth(answer_key, "quang-ninh-001")
    registered = {f["meaning"] for f in steps["register"]["fields"] if f["filled"]}
    assert {"full_name", "id_number", "birth_date", "phone", "email", "password"} <= registered
    assert sum(f["meaning"] == "password" for f in steps["register"]["fields"]) == 2  # and its confirmation
    moves = steps["submit"]["moves"]
    assert [m["change"]["kind"] for m in moves][-1] == "receipt"
    assert any(m["change"]["kind"] == "step" for m in moves)            # Bước 1/3 → 2/3 → 3/3
    assert "xac nhan va nop" in moves[-1]["clicked"]["phrase"] or "nop ho so" in moves[-1]["clicked"]["phrase"]
    assert steps["submit"]["forms"][-1]["fields"] == []                 # the confirmation page has no field
    assert steps["submit"]["receipt"].endswith(tuple("0123456789")) and ".H40-" in steps["submit"]["receipt"]


def test_one_account_per_portal_is_registered_once_then_logged_into(checker, answer_key):
    found = checker("quang-ninh-001", "quang-ninh-006")
    for service_id in found:
        verdict, _ = found[service_id]
        assert (verdict.level, verdict.mode) == truth(answer_key, service_id)[:2]
    first, second = found["quang-ninh-001"][1], found["quang-ninh-006"][1]
    assert not first["register"].get("reused_account")
    assert second["register"]["reused_account"] and second["login"]["reused_account"]


def test_a_taken_citizen_id_is_answered_with_an_id_of_its_own(world, world_config, tmp_path, answer_key):
    world.reset()
    accounts.forget_all()
    config = load_all(world_config, {"data": str(tmp_path / "var"), "capture": CAPTURE_OFF})

    async def run() -> list:
        out = []
        async with chromium(config.settings) as browser:
            with Store(config.settings.data) as store:
                agencies.sync(store, config.agency_rows())
                for service_id in ("quang-ninh-001", "quang-ninh-002"):
                    accounts.forget_all()  # as two processes would: neither knows the other's account
                    agency, service = config.service(service_id)
                    done = await check_service(browser, agency, service, store, config.settings)
                    out.append((done.verdict, {s["name"]: json.loads(s["detail"]) for s in runs.steps(store, done.run_id)}))
        return out

    (first, first_steps), (second, second_steps) = asyncio.run(run())
    accounts.forget_all()
    assert first.level == 3 and second.level == 4
    assert not first_steps["register"]["tries"]
    assert second_steps["register"]["tries"][0]["id_number_changed"]
    assert "id_taken" in second_steps["register"]["tries"][0]["signs"]


def test_delivery_select_is_chosen_by_level_and_the_class_follows(checker, answer_key):
    found = checker("quang-ninh-002", "quang-ninh-003", "quang-ninh-004")
    for service_id, (verdict, _) in found.items():
        assert (verdict.level, verdict.mode, verdict.decree42) == truth(answer_key, service_id), service_id
    chosen = [f.get("chose", "") for form in found["quang-ninh-002"][1]["submit"]["forms"] for f in form["fields"]]
    assert any("bưu chính" in c for c in chosen)
    assert found["quang-ninh-003"][1]["pay"]["fee_free"]                 # no fee: level 4 by the written rule
    assert found["quang-ninh-004"][0].decree42 == "một phần"             # paid online, result at the counter


def test_cross_host_nested_frames_login_that_returns_home_and_a_gateway_elsewhere(checker, answer_key, world):
    verdict, steps = checker("dong-thap-002")["dong-thap-002"]
    assert (verdict.level, verdict.mode, verdict.decree42) == truth(answer_key, "dong-thap-002")
    declared = urlsplit(answer_key["services"]["dong-thap-002"]["url"]).netloc
    vendor = urlsplit(world.urls["egov:dong-thap"]).netloc
    assert steps["start_submission"]["login_prompt"]                    # said in words inside the inner frame
    assert urlsplit(steps["login"]["landed"]).path == "/" and urlsplit(steps["login"]["landed"]).netloc == vendor
    assert urlsplit(steps["submit"]["dossier_url"]).netloc == vendor != declared
    assert urlsplit(steps["pay"]["gateway"]).netloc == urlsplit(world.urls["pay"]).netloc


def test_hover_menu_script_drawn_tracking_and_short_receipt_codes(checker, answer_key):
    verdict, steps = checker("can-tho-002")["can-tho-002"]
    assert (verdict.level, verdict.mode, verdict.decree42) == truth(answer_key, "can-tho-002")
    assert steps["register"]["fields"] and steps["start_submission"]["asks_login"]
    assert steps["submit"]["receipt"].startswith("H92.")
    assert steps["track"]["via"] == "search" and steps["track"]["code_shown"]


def test_a_level_badge_is_never_evidence(checker, answer_key):
    verdict, steps = checker("can-tho-003")["can-tho-003"]
    assert answer_key["services"]["can-tho-003"]["declared_level"] == 4
    assert (verdict.level, verdict.mode) == truth(answer_key, "can-tho-003")[:2] == (2, "direct")
    assert verdict.outcome == "fail"
    assert not any("mức độ 4" in r.text for r in verdict.reasons)


def test_an_announcement_over_the_service_page_is_closed_and_named(checker, answer_key):
    """Vendor A lays its notice over the page on arrival, vendor D shows its own a moment after the load."""
    ids = ("bac-ninh-006", "quang-ninh-002")
    seen = checker(*ids)
    for service_id in ids:
        verdict, steps = seen[service_id]
        assert (verdict.level, verdict.mode, verdict.decree42) == truth(answer_key, service_id)
        closed = steps["start_submission"]["notices_closed"]
        assert len(closed) == 1 and "THÔNG BÁO" in closed[0]
    assert seen["bac-ninh-006"][1]["start_submission"]["notices_closed"][0].endswith("[Đóng]")
    assert seen["quang-ninh-002"][1]["start_submission"]["notices_closed"][0].endswith("[Tôi đã hiểu]")


def test_a_component_kit_portal_click_menu_calendars_script_lists_styled_ticks_and_link_sends(checker, answer_key, world):
    """Vendor G: its account menu opens on a click, its dates are chosen in calendars (read-only fields), its
    choices are script-drawn lists, its ticks are drawn over invisible boxes, its forms are sent by a link, the
    citizen signs in with the identification number and lands on "Trang cá nhân", the fee is paid after choosing
    a channel, and its tracking search button is an icon."""
    ids = ("lam-dong-001", "lam-dong-002")
    seen = checked_right(checker, answer_key, ids)
    steps = seen["lam-dong-001"][1]
    by_name = {f["name"]: f for f in steps["register"]["fields"]}
    assert by_name["NgaySinh"]["set_by_script"] and by_name["DongY"]["filled"]
    assert by_name["Giới tính *"]["chose"] == "Nam"
    sent = {f["name"]: f for form in steps["submit"]["forms"] for f in form["fields"]}
    assert "bưu chính" in sent["Hình thức nhận kết quả *"]["chose"] and sent["NgayCap"]["set_by_script"]
    assert steps["submit"]["moves"][0]["clicked"]["href"] == "javascript:void(0)"
    assert urlsplit(steps["login"]["landed"]).path == "/ca-nhan"
    assert steps["track"]["via"] == "search" and steps["track"]["code_shown"]
    assert urlsplit(steps["pay"]["gateway"]).netloc == urlsplit(world.urls["pay"]).netloc
    again = seen["lam-dong-002"][1]
    assert again["register"]["reused_account"] and again["login"]["reused_account"]
    assert {f["name"]: f for form in again["submit"]["forms"] for f in form["fields"]}["Hình thức nhận kết quả *"]["chose"] \
        .startswith("Nhận kết quả trực tiếp")


def test_a_hash_routed_single_page_portal_with_browser_dialogs_tabs_and_a_payment_window(checker, answer_key, world):
    """Vendor H: every view is a hash route of one page; fields have placeholders only; the login is a dialog over
    the submission with a link to register; registration answers with an alert, the wizard's tabs end on a button
    that asks the browser's confirm; the delivery is a row of cards; the gateway opens in a window of its own."""
    ids = ("nghe-an-001", "nghe-an-002")
    seen = checked_right(checker, answer_key, ids)
    steps = seen["nghe-an-001"][1]
    assert urlsplit(answer_key["services"]["nghe-an-001"]["url"]).fragment == urlsplit(steps["open"]["final_url"]).fragment
    assert {(d["type"], d["answer"]) for d in steps["register"]["dialogs"]} == {("alert", "accept")}
    assert urlsplit(steps["login"]["landed"]).fragment.startswith("/nop-ho-so/")      # the dialog, then the wizard
    assert [(d["type"], d["answer"]) for d in steps["submit"]["dialogs"]] == [("confirm", "accept")]
    sent = [f for form in steps["submit"]["forms"] for f in form["fields"]]
    assert {f["label"] for f in sent} >= {"Họ và tên người nộp", "Số CCCD"}               # read from placeholders
    assert any(f.get("chose") == "Nhận kết quả trực tuyến" for f in sent)
    assert steps["submit"]["receipt"] in urlsplit(steps["submit"]["dossier_url"]).fragment
    assert len(steps["pay"]["windows_followed"]) == 1
    assert urlsplit(steps["pay"]["gateway"]).netloc == urlsplit(world.urls["pay"]).netloc
    assert seen["nghe-an-002"][1]["login"]["reused_account"]
