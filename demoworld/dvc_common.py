"""Vendor-independent DVCTT logic: accepting a submission, starting and settling a payment."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, session

from demoworld.context import Ctx
from demoworld.files import e_result
from demoworld.model import Service
from demoworld.state import Dossier

DELIVERY_LABELS = {"truc-tiep": "Nhận kết quả trực tiếp tại Bộ phận một cửa",
                   "truc-tuyen": "Nhận kết quả trực tuyến",
                   "buu-chinh": "Nhận kết quả qua Dịch vụ bưu chính công ích"}
TEXT_FIELDS = ("ho_ten", "so_cccd", "ngay_sinh", "dia_chi", "so_dien_thoai", "noi_dung")
REQUIRED_TEXT = ("ho_ten", "so_cccd")


def delivery_options(svc: Service) -> list[tuple[str, str]]:
    """Result-delivery choices offered on the submission form of a level-4 service."""
    opts = [("truc-tiep", DELIVERY_LABELS["truc-tiep"])]
    if svc.level >= 4 and svc.has("result_online"):
        opts.insert(0, ("truc-tuyen", DELIVERY_LABELS["truc-tuyen"]))
    if svc.level >= 4 and svc.has("result_post"):
        opts.insert(0, ("buu-chinh", DELIVERY_LABELS["buu-chinh"]))
    return opts


def accept_submission(ctx: Ctx, site: str, prefix: str, svc: Service, owner: str,
                      form: dict, file_names: list[str]) -> tuple[Dossier | None, str]:
    """Validate a submission and create the dossier; returns (dossier, error message)."""
    missing = [f for f in REQUIRED_TEXT if not str(form.get(f, "")).strip()]
    if missing:
        return None, "Vui lòng nhập đầy đủ các trường bắt buộc (*): Họ và tên, Số CCCD/định danh cá nhân."
    if not file_names:
        return None, "Vui lòng đính kèm tệp thành phần hồ sơ (Tờ khai)."
    if not form.get("cam_ket"):
        return None, "Vui lòng đánh dấu vào ô cam đoan trước khi nộp hồ sơ."
    allowed = {k for k, _ in delivery_options(svc)}
    delivery = form.get("hinh_thuc_nhan_ket_qua") or next(iter(sorted(allowed, key=lambda k: k != "truc-tiep")))
    if delivery not in allowed:
        delivery = "truc-tiep"
    d = ctx.state.new_dossier(site, prefix, service_id=svc.id, owner=owner,
                              applicant=str(form.get("ho_ten", "")).strip(),
                              fields={k: str(form.get(k, "")) for k in TEXT_FIELDS},
                              files=file_names, fee=svc.fee if svc.level >= 4 else 0, delivery=delivery)
    return d, ""


def dossier_prefix(agency_code: str, svc: Service) -> str:
    """Receipt codes look like real ones: 000.00.12.H10-261126-0001."""
    return f"000.{svc.ref % 7:02d}.{svc.ref % 31 + 10:02d}.{agency_code}"


def start_payment(ctx: Ctx, d: Dossier, svc: Service, merchant: str, return_url: str) -> str:
    """Register a transaction with the gateway; returns the gateway URL to redirect the user to."""
    p = ctx.state.new_payment(merchant, f"Nộp phí, lệ phí hồ sơ {d.code} - {svc.name}", d.fee, return_url, d.code)
    return ctx.url("pay", "thanh-toan") + "?" + urlencode({"ma_giao_dich": p.id})


def result_ready(d: Dossier) -> bool:
    return d.stage() >= 2 and (d.paid or d.fee == 0)


def owned_dossier(ctx: Ctx, site: str, code: str) -> Dossier | None:
    """The dossier `code` of `site` when the signed-in citizen owns it."""
    d = ctx.state.dossier(code, site)
    return d if d is not None and d.owner == session.get("user") else None


def service_of(d: Dossier, services: dict[int, Service]) -> Service:
    return next(x for x in services.values() if x.id == d.service_id)


def e_copy(d: Dossier | None, services: dict[int, Service]) -> Response | None:
    """The electronic result of a dossier delivered online, once ready and paid; None otherwise."""
    if d is None or d.delivery != "truc-tuyen" or not result_ready(d):
        return None
    s = service_of(d, services)
    return Response(e_result(d.code, s.name, d.applicant), mimetype="application/pdf")
