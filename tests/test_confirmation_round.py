"""The confirmation round's one model (issue 18): answers, item disputes with an attachment, an inspector's
answers and outcome, the re-checks a dispute queues; on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import zipfile

import pytest
from evidence_helpers import AGENCY, make_store, png
from openpyxl import Workbook

from evidence import confirmations, disputes, portal, recheck_requests
from evidence.recheck_requests import pending_recheck_requests

pytestmark = pytest.mark.usefixtures("store_dialect")   # every test on SQLite and on PostgreSQL

S1, S2, S3 = (s["id"] for s in AGENCY["services"])


def xlsx() -> bytes:
    out = io.BytesIO()
    Workbook().save(out)
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("word/document.xml", "<w:document/>")   # no [Content_Types].xml: not an Office file
    return out.getvalue()


def test_attachment_types_are_told_by_content_not_by_name():
    assert disputes.attachment_suffix(b"%PDF-1.7\n...") == ".pdf"
    assert disputes.attachment_suffix(png(1)) == ".png"
    assert disputes.attachment_suffix(b"\xff\xd8\xff\xe0\x00\x10JFIF") == ".jpg"
    assert disputes.attachment_suffix(xlsx()) == ".xlsx"
    assert disputes.attachment_suffix(docx()) == ".docx"
    for refused in (b"MZ\x90\x00\x03 this program cannot be run in DOS mode", plain_zip(), b"PK\x03\x04broken",
                    b"<html><script>alert(1)</script>", b""):
        assert disputes.attachment_suffix(refused) is None


def test_a_sent_name_keeps_its_letters_and_loses_folders_and_control_characters():
    assert disputes.clean_name("C:\\Users\\an\\Biên bản kiểm tra.pdf") == "Biên bản kiểm tra.pdf"
    assert disputes.clean_name("../../etc/passwd\x00\r\n") == "passwd"
    assert disputes.clean_name("<img src=x onerror=alert(1)>.pdf") == "<img src=x onerror=alert(1)>.pdf"
    assert disputes.clean_name("\x01\x02") == "tep-dinh-kem"
    assert len(disputes.clean_name("a" * 500)) == disputes.MAX_NAME


def test_a_dispute_with_an_attachment_queues_its_rechecks_and_is_audited_in_the_same_transaction(tmp_path):
    store, run_ids = make_store(tmp_path, None)
    with store:
        kept = disputes.keep_attachment(store, b"%PDF-1.4 bien ban", "Biên bản.pdf")
        assert kept is not None and kept.suffix == ".pdf"
        seen = []

        def audit(conn, answered):
            seen.append((answered, conn.execute("select count(*) from disputes").fetchone()[0]))

        services, criteria = confirmations.known_targets(store, AGENCY["id"])
        assert services == {S1: 3, S2: 3, S3: 3} and criteria == []
        key = f"service:{S1}"
        reason = f"Dịch vụ đạt mức 4; xem cả {S2}"
        targets = confirmations.recheck_targets(AGENCY["id"], key, reason, services=services, criteria=criteria)
        assert targets == [("service", S1), ("service", S2)]
        answered = confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key=key, answer="dispute",
                                             reason=reason, source_file="", row=None, evidence=[run_ids[0]],
                                             targets=targets, by="dai-dien", attachment=kept, audit=audit)
        assert seen == [(answered, 1)]   # the audit callback saw the dispute inside the transaction
        row = disputes.dispute(store, answered.dispute_id)
        assert row is not None and row["open"] and row["opened_by"] == "dai-dien"
        assert (row["attachment_sha256"], row["attachment_name"]) == (kept.sha256, "Biên bản.pdf")
        assert store.artifact_path(kept.sha256).read_bytes() == b"%PDF-1.4 bien ban"
        pending = pending_recheck_requests(store)
        assert [(p["kind"], p["target_id"], p["dispute_id"]) for p in pending] == [
            ("service", S1, answered.dispute_id), ("service", S2, answered.dispute_id)]
        assert answered.recheck_requests == [p["id"] for p in pending]
        # Disputing again while it is open opens nothing more and queues nothing.
        again = confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key=key, answer="dispute",
                                          reason="lần nữa", source_file="", row=None, evidence=[], targets=targets)
        assert again.dispute_id is None and again.recheck_requests == []
        assert len(disputes.disputes_of(store, agency_id=AGENCY["id"])) == 1


def test_a_failing_audit_keeps_nothing_of_the_answer(tmp_path):
    store, _ = make_store(tmp_path, None)
    with store:
        def audit(conn, answered):
            raise RuntimeError("audit failed")

        with pytest.raises(RuntimeError):
            confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key=f"service:{S1}",
                                      answer="dispute", reason="sai", source_file="", row=None, evidence=[],
                                      targets=[("service", S1)], by="dai-dien", audit=audit)
        assert disputes.disputes_of(store) == [] and pending_recheck_requests(store) == []
        assert confirmations.confirmations(store, 2025) == {}


def test_an_inspector_answers_then_closes_and_agreeing_later_closes_as_agreed(tmp_path):
    store, run_ids = make_store(tmp_path, None)
    with store:
        service_dispute = disputes.open_service_dispute(store, S3, "đã có thanh toán", run_id=run_ids[2], opened_by="an")
        first = confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key="figure:c1_cbccvc",
                                          answer="dispute", reason="sai số", source_file="", row=None, evidence=[],
                                          targets=[], by="dai-dien").dispute_id
        second = confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key="criterion:c3.1",
                                           answer="dispute", reason="thiếu", source_file="f.xlsx", row=7,
                                           evidence=[], targets=[]).dispute_id
        listed = disputes.disputes_of(store, agency_id=AGENCY["id"], status="open", year=2025)
        assert [(d["kind"], d["id"]) for d in listed] == [("service", service_dispute), ("item", first), ("item", second)]
        assert disputes.disputes_of(store, agency_id="khac") == []
        with store.write_lock() as conn:
            answer_id = disputes.answer_dispute_in(conn, first, text="Đã xem lại", by="kiem-tra", now="2025-07-01T00:00:00Z",
                                                   recheck_requests=[4])
            assert disputes.close_dispute_in(conn, first, outcome="corrected", note="sửa 1000 → 1010", by="kiem-tra",
                                             now="2025-07-02T00:00:00Z")
            assert not disputes.close_dispute_in(conn, first, outcome="kept", note="", by="x", now="2025-07-03T00:00:00Z")
        with pytest.raises(ValueError), store.write_lock() as conn:
            disputes.close_dispute_in(conn, second, outcome="whatever", note="", by="x", now="2025-07-03T00:00:00Z")
        [answer] = disputes.dispute_answers(store, first)
        assert (answer["id"], answer["text"], answer["recheck_requests"]) == (answer_id, "Đã xem lại", [4])
        closed = disputes.dispute(store, first)
        assert closed is not None and not closed["open"]
        assert (closed["outcome"], closed["outcome_note"], closed["closed_by"]) == ("corrected", "sửa 1000 → 1010", "kiem-tra")
        confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key="criterion:c3.1", answer="agree",
                                  reason="", source_file="", row=None, evidence=[], targets=[], by="dai-dien")
        agreed = disputes.dispute(store, second)
        assert agreed is not None and (agreed["outcome"], agreed["closed_by"]) == (disputes.AGREED, "dai-dien")
        assert [d["item_key"] for d in disputes.item_disputes(store, 2025, "resolved")] == ["figure:c1_cbccvc",
                                                                                           "criterion:c3.1"]
        answers = confirmations.confirmations(store, 2025)
        assert answers[(AGENCY["id"], "criterion:c3.1")]["answer"] == "agree"
        assert answers[(AGENCY["id"], "criterion:c3.1")]["answered_by"] == "dai-dien"


def test_known_targets_name_the_portal_criteria_the_agency_was_scored_on(tmp_path):
    store, _ = make_store(tmp_path, None)
    with store:
        for criterion in ("c3-news", "c3-intro"):
            portal.record_score(store, agency_id=AGENCY["id"], criterion_id=criterion, role="A", inspector="A",
                                score=1, max_points=2, outcome="scored", source="test")
        services, criteria = confirmations.known_targets(store, AGENCY["id"])
        assert criteria == ["c3-intro", "c3-news"]
        assert confirmations.recheck_targets(AGENCY["id"], "figure:c1_cbccvc", "mục c3-news sai", services=services,
                                             criteria=criteria) == [("criterion", f"{AGENCY['id']}/c3-news")]
        # Disputing category 4 re-checks every declared level-3/4 service unless the reason names some.
        assert confirmations.recheck_targets(AGENCY["id"], "criterion:c4.1", "sai", services=services,
                                             criteria=criteria) == [("service", S1), ("service", S2), ("service", S3)]


def test_a_disputes_requests_include_those_its_answers_named(tmp_path):
    store, _ = make_store(tmp_path, None)
    with store:
        first = confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key=f"service:{S1}",
                                          answer="dispute", reason="sai", source_file="", row=None, evidence=[],
                                          targets=[("service", S1)])
        second = confirmations.answer_item(store, year=2025, agency_id=AGENCY["id"], item_key=f"service:{S2}",
                                           answer="dispute", reason="sai", source_file="", row=None, evidence=[],
                                           targets=[("service", S2)])
        assert second.dispute_id is not None
        own = [r["id"] for r in recheck_requests.requests_of_dispute(store, second.dispute_id)]
        assert own == second.recheck_requests
        # An answer to the second dispute re-checking S1 finds the first dispute's request still waiting.
        with store.write_lock() as conn:
            again = recheck_requests.request_recheck_in(conn, kind="service", target_id=S1, agency_id=AGENCY["id"],
                                                        reason="x", dispute_id=second.dispute_id, now="2025-07-01T00:00:00Z")
        assert [again] == first.recheck_requests
        both = recheck_requests.requests_of_dispute(store, second.dispute_id, [again])
        assert [(r["target_id"], r["dispute_id"]) for r in both] == [(S1, first.dispute_id), (S2, second.dispute_id)]
