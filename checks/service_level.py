"""The level a declared online public service really reaches, judged from the bot's recorded steps.

Pure: it reads stored steps (name, outcome, detail) and never the network, so `kiemtra verdicts
--recompute` gives the same answers from the store. Each rule is one registered unit; `judge`
puts them together:

    R5  a name with no match in CSDL TTHC is not checked further
    R3  the declared link must work at the time of the check (dead: level 0; unseen: retry)
    R8  where an account cannot be made (identity check, CAPTCHA, SSO, OTP) the service is
        recognized by report: link opens, the page names the procedure, it looks alive
    R7  level 3 = register (where asked), submit online with a receipt, track the dossier;
        level 4 (ND43 Art.3.4, TT32 Art.5) = level 3 + online payment of the fee where there is
        one; the result may come online, by post or in person. A procedure without fee (the page
        says so) has no payment to show: it is level 4 only when its result is returned online or
        by post, i.e. something beyond level 3 is seen online; otherwise it stays level 3. A
        level badge on a page ("mức độ 4") is never evidence: only what the bot did counts.
    ND42 the class in use since Decree 42/2022: "toàn trình" when the dossier is sent online, any
        fee paid online and the result returned online or by public postal service; "một phần"
        for anything less; none where nothing was judged directly (by report, dead, unseen)
    ND43 Art.3.4  level 2 = forms downloadable; level 1 = information only
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from checks.registry import Registry
from checks.result import Reason, Result, could_not_verify, failed, needs_review, not_applicable, passed

RULES = Registry("service_level")
RULE_VERSION = "2"  # 2: level 4 = level 3 + online payment where there is a fee; Decree 42 class
GATES = {"captcha": "CAPTCHA", "identity": "xác thực với CSDL quốc gia về dân cư", "sso": "đăng nhập một lần (SSO)",
         "otp": "mã OTP gửi tới điện thoại"}


@dataclass(frozen=True)
class Observation:
    """What one check recorded: its steps by name (the last of each), and what the agency declared."""

    steps: dict[str, Mapping[str, Any]]
    declared_level: int
    catalogue: str | None = None  # exact | strong | weak | none | None (not matched yet)

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]], declared_level: int, catalogue: str | None = None) -> Observation:
        steps: dict[str, Mapping[str, Any]] = {}
        for row in sorted(rows, key=lambda r: r["seq"]):
            detail = row.get("detail") or {}
            steps[row["name"]] = {**row, "detail": json.loads(detail) if isinstance(detail, str) else detail}
        return cls(steps, declared_level, catalogue)

    def outcome(self, name: str) -> str | None:
        step = self.steps.get(name)
        return step["outcome"] if step else None

    def detail(self, name: str) -> dict[str, Any]:
        step = self.steps.get(name)
        return dict(step["detail"]) if step else {}

    def seq(self, name: str) -> int | None:
        step = self.steps.get(name)
        return step["seq"] if step else None

    def reason(self, name: str, text: str) -> Reason:
        step = self.steps.get(name)
        return Reason(text, step=step["seq"] if step else None, url=(step or {}).get("url") or None)

    @property
    def gate(self) -> str | None:
        for step in self.steps.values():
            if step["outcome"] == "blocked":
                return step["detail"].get("blocker")
        return None

    @property
    def bot_error(self) -> Mapping[str, Any] | None:
        return next((s for s in self.steps.values() if s["outcome"] == "error"), None)


@RULES.check("SL-R5-CATALOGUE", rule="R5")
def in_catalogue(o: Observation) -> Result:
    """The declared name maps to a procedure of CSDL TTHC."""
    if o.catalogue == "none":
        return failed("Tên dịch vụ không khớp thủ tục nào trong CSDL TTHC; không kiểm tra tiếp (R5).")
    if o.catalogue is None:
        return not_applicable("Chưa đối chiếu tên với CSDL TTHC.")
    if o.catalogue == "published":
        return passed("Thủ tục không có trong CSDL TTHC nhưng được công bố trên cổng của cơ quan có thẩm quyền (R3, R5).")
    return passed(f"Tên dịch vụ khớp CSDL TTHC ({o.catalogue}).")


@RULES.check("SL-R3-REACHABLE", rule="R3")
def reachable(o: Observation) -> Result:
    """The declared link opens at the time of the check."""
    step, detail = o.outcome("open"), o.detail("open")
    if step == "ok":
        return passed(o.reason("open", f"Đường dẫn khai báo mở được (HTTP {detail.get('http_status')})."))
    if step == "failed" and detail.get("dead"):
        return failed(o.reason("open", f"Đường dẫn khai báo không tồn tại (HTTP {detail.get('http_status')})."))
    if step == "error" and detail.get("error_kind") == "connection" and "REFUSED" in str(detail.get("error", "")):
        return failed(o.reason("open", "Máy chủ của đường dẫn khai báo từ chối kết nối (liên kết chết)."))
    if step is None:
        return could_not_verify("Chưa mở được đường dẫn khai báo.")
    what = f"HTTP {detail['http_status']}" if detail.get("http_status") else detail.get("error_kind", "lỗi")
    return could_not_verify(o.reason("open", f"Không xem được trang lúc kiểm tra ({what}); cần kiểm tra lại vào lúc khác (R6)."))


@RULES.check("SL-L2-FORMS", rule="ND43 Art.3.4")
def forms_downloadable(o: Observation) -> Result:
    """The service offers its forms to download (level 2)."""
    detail = o.detail("open")
    if detail.get("form_downloads"):
        return passed(o.reason("open", f"Có {detail['form_downloads']} mẫu đơn, tờ khai tải về được."))
    if o.outcome("submit") == "ok":
        return passed(o.reason("submit", "Biểu mẫu điện tử điền và gửi trực tuyến được."))
    return failed(o.reason("open", "Không thấy mẫu đơn, tờ khai để tải về."))


@RULES.check("SL-R7-L3", rule="R7")
def level3_direct(o: Observation) -> Result:
    """An account is made, a dossier submitted online with a receipt, and tracked by its code."""
    if o.outcome("start_submission") != "ok":
        return failed(o.reason("start_submission" if "start_submission" in o.steps else "open",
                               "Không thấy chức năng nộp hồ sơ trực tuyến."))
    for name, words in (("register", "Đăng ký tài khoản"), ("confirm_email", "Kích hoạt tài khoản qua thư"),
                        ("login", "Đăng nhập")):
        if name in o.steps and o.outcome(name) != "ok":
            return failed(o.reason(name, f"{words} không thành công."))
    if o.outcome("submit") != "ok":
        return failed(o.reason("submit", "Không nộp được hồ sơ trực tuyến (không nhận được mã hồ sơ)."))
    if o.outcome("track") != "ok":
        return failed(o.reason("track", "Không tra cứu được tình trạng hồ sơ vừa nộp."))
    receipt, status = o.detail("submit").get("receipt"), o.detail("track").get("status")
    reasons = [o.reason("submit", f"Nộp hồ sơ trực tuyến thành công, mã hồ sơ {receipt}."),
               o.reason("track", f"Tra cứu được hồ sơ {receipt}: trạng thái «{status}».")]
    if "register" in o.steps:
        reasons.insert(0, o.reason("register", "Đăng ký tài khoản thành công."))
    return passed(*reasons)


DELIVERY_WORDS = {"online": "trực tuyến", "post": "qua dịch vụ bưu chính công ích"}


def delivered_far(o: Observation) -> str | None:
    """How the result comes when it does not need the counter: online, by post, or None."""
    delivery = o.detail("result").get("delivery")
    return delivery if delivery in DELIVERY_WORDS else None


def fee_free(o: Observation) -> bool:
    """The page said the procedure has no fee (and no payment was offered)."""
    return o.outcome("pay") != "ok" and bool(o.detail("pay").get("fee_free"))


@RULES.check("SL-R7-L4", rule="R7")
def level4_direct(o: Observation) -> Result:
    """Level 3 plus online payment of the fee, where there is one (no fee: a result returned online or by post)."""
    delivery = delivered_far(o)
    if o.outcome("pay") == "ok":
        reasons = [o.reason("pay", "Thanh toán trực tuyến phí, lệ phí thành công.")]
        if delivery:
            reasons.append(o.reason("result", f"Kết quả được trả {DELIVERY_WORDS[delivery]}."))
        return passed(*reasons)
    if fee_free(o):
        if delivery:
            return passed(o.reason("pay", "Thủ tục không thu phí, lệ phí: không có khoản nào phải thanh toán."),
                          o.reason("result", f"Kết quả được trả {DELIVERY_WORDS[delivery]}."))
        return failed(o.reason("pay", "Thủ tục không thu phí, lệ phí và kết quả chỉ nhận trực tiếp: "
                                      "không có gì ngoài mức độ 3 được thực hiện trực tuyến."))
    return failed(o.reason("pay", "Không thanh toán trực tuyến được phí, lệ phí."))


def decree42_class(o: Observation, level: int | None, mode: str) -> str | None:
    """Decree 42/2022 Art. 11: "toàn trình" or "một phần"; None where the level was not judged directly."""
    if mode != "direct" or not level:
        return None
    paid = o.outcome("pay") == "ok" or fee_free(o)
    return "toàn trình" if level >= 3 and paid and delivered_far(o) else "một phần"


@RULES.check("SL-R8-BY-REPORT", rule="R8")
def by_report(o: Observation) -> Result:
    """Where an account cannot be made: the link opens, names the procedure, and looks alive."""
    gate = o.gate
    if gate is None:
        return not_applicable("Bot tạo được tài khoản hoặc không bị chặn.")
    detail = o.detail("open")
    where = next(name for name, s in o.steps.items() if s["outcome"] == "blocked")
    reasons = [o.reason(where, f"Không tạo được tài khoản: gặp {GATES.get(gate, gate)}; bot không vượt qua (R8).")]
    alive = o.outcome("open") == "ok" and "error_page" not in detail.get("signs", {})
    if not alive:
        return failed(*reasons, o.reason("open", "Trang dịch vụ không hoạt động bình thường."))
    if not detail.get("name_shown"):
        return needs_review(*reasons, o.reason("open", "Trang không hiển thị đúng tên thủ tục; cần người đánh giá xem."))
    reasons.append(o.reason("open", "Đường dẫn mở được, trang hiển thị tên thủ tục và biểu mẫu/đăng nhập hoạt động."))
    return passed(*reasons)


@dataclass(frozen=True)
class ServiceVerdict:
    level: int | None
    mode: str            # direct | by_report | none | unverified
    outcome: str         # pass | fail | needs_review | could_not_verify | not_applicable
    reasons: tuple[Reason, ...]
    rules: tuple[Result, ...] = field(default=())
    decree42: str | None = None   # "toàn trình" | "một phần" | None (not judged directly)

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level, "mode": self.mode, "outcome": self.outcome, "decree42": self.decree42,
                "reasons": [r.as_dict() for r in self.reasons], "rules": [r.as_dict() for r in self.rules]}


def judge(o: Observation) -> ServiceVerdict:
    """The verdict of one check: level found, mode, outcome against the declared level, reasons."""
    run = {spec.id: spec.run(o) for spec in RULES}
    rules = tuple(run.values())
    catalogue = run["SL-R5-CATALOGUE"]
    if catalogue.outcome == "fail":
        return ServiceVerdict(None, "none", "not_applicable", catalogue.reasons, rules)
    reach = run["SL-R3-REACHABLE"]
    if reach.outcome == "could_not_verify":
        return ServiceVerdict(None, "unverified", "could_not_verify", reach.reasons, rules)
    if reach.outcome == "fail":
        return ServiceVerdict(0, "direct", "fail", reach.reasons, rules)
    report = run["SL-R8-BY-REPORT"]
    if report.outcome != "not_applicable":
        forms = run["SL-L2-FORMS"]
        level = o.declared_level if report.outcome == "pass" else (2 if forms.outcome == "pass" else 1)
        outcome = "needs_review" if report.outcome != "fail" else "fail"
        return ServiceVerdict(level, "by_report", outcome, report.reasons, rules)
    l3, l4, forms = run["SL-R7-L3"], run["SL-R7-L4"], run["SL-L2-FORMS"]
    if l3.outcome == "pass":
        level, reasons = (4, l3.reasons + l4.reasons) if l4.outcome == "pass" else (3, l3.reasons + l4.reasons)
    else:
        level = 2 if forms.outcome == "pass" else 1
        reasons = forms.reasons + l3.reasons
    error = o.bot_error
    if error is not None:
        why = Reason(f"Bot gặp sự cố ở bước «{error['name']}» ({error['detail'].get('error_kind')}); "
                     "cần kiểm tra lại (R6).", step=error["seq"])
        return ServiceVerdict(level, "unverified", "could_not_verify", reasons + (why,), rules)
    outcome = "pass" if level >= o.declared_level else "fail"
    return ServiceVerdict(level, "direct", outcome, reasons, rules, decree42_class(o, level, "direct"))
