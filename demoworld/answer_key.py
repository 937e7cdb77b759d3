"""The truth about the world, for tests only (the servers never import this module)."""
from __future__ import annotations

from demoworld.layout import service_url
from demoworld.model import Service, WorldData, load_procedures
from demoworld.sites.hostile import PATHS as HOSTILE_PATHS

VENDOR_TAGS = {"A": ["server_rendered"], "B": ["spa", "nfd"], "C": ["iframe"], "P": ["portal_hosted"],
               "D": ["wizard", "confirmation_page", "table_form", "cccd_unique", "delivery_select", "terms_checkbox"],
               "E": ["cross_host_iframe", "nested_frames", "login_returns_home", "gateway_return"],
               "F": ["hover_menu", "js_tracking", "my_dossiers", "level_badge", "short_receipt_code"],
               "G": ["click_menu", "login_by_id_number", "login_lands_on_dashboard", "readonly_date_picker", "script_combobox",
                     "styled_checkbox", "link_submit", "success_dialog", "icon_search", "cccd_unique", "cascading_lists"],
               "H": ["hash_routes", "placeholder_only_fields", "login_dialog", "alert_on_register", "tabbed_wizard", "card_radios",
                     "drop_zone", "confirm_before_submit", "toast", "payment_popup"]}
# The styles built after the bot (issue 14): the honest measure of how it generalizes.
NEW_STYLES = ("D", "E", "F", "G", "H")
PORTAL_ALWAYS = ["intro", "organisation", "functions", "leaders", "news", "direction", "schedule", "law_dissemination",
                 "strategy", "documents", "document_search", "projects", "consultation", "directory", "contact", "search",
                 "sitemap_text", "robots_txt", "rss", "print_save", "qa", "feedback", "links_other_bodies", "viewport", "footer_info",
                 "emblem_header"]


def _notes(tags: frozenset[str]) -> str:
    notes = []
    if "identity_check" in tags:
        notes.append("Đăng ký qua xác thực CSDL quốc gia về dân cư: bot không vượt qua, công nhận theo báo cáo (R8).")
    if "captcha" in tags:
        notes.append("Đăng ký có CAPTCHA hình ảnh: bot không giải được, công nhận theo báo cáo (R8).")
    if "sso" in tags:
        notes.append("Đăng nhập một lần qua VNeID (QR/OTP trên điện thoại): bot không vượt qua, công nhận theo báo cáo (R8).")
    if "not_in_catalogue" in tags:
        notes.append("Tên khai báo không có trong CSDL TTHC: cán bộ kiểm tra phải xác định có phải DVCTT gắn với TTHC hay không.")
    if "bundle" in tags:
        notes.append("Một biểu mẫu liên thông nhiều thủ tục (R4): cán bộ quyết định cách tính số dịch vụ.")
    if "false_badge" in tags:
        notes.append("Trang gắn nhãn «Dịch vụ công trực tuyến mức độ 4» nhưng không cho nộp trực tuyến: nhãn không phải bằng chứng.")
    if "overclaim" in tags:
        notes.append("Cơ quan khai mức độ cao hơn mức thực tế.")
    if "flaky_5xx" in tags:
        notes.append("Lần truy cập đầu trả 503, các lần sau hoạt động (R6).")
    if "flaky_timeout" in tags:
        notes.append("Lần truy cập đầu treo ~60 s, các lần sau hoạt động (R6).")
    if "dead_404" in tags:
        notes.append("Liên kết chết: 404.")
    if "dead_refused" in tags:
        notes.append("Liên kết chết: không có máy chủ lắng nghe (connection refused).")
    if "slow" in tags:
        notes.append("Trang trả lời sau ~8 s.")
    return " ".join(notes)


def decree42_class(s: Service) -> str:
    """Decree 42/2022 Art. 11: "toàn trình" when submission, payment of any fee and the result are all online
    (the result online or by public postal service); "một phần" for anything less."""
    fee_online = s.fee == 0 or s.has("pay_online")
    result_far = s.has("result_online") or s.has("result_post")
    return "toàn trình" if s.level >= 4 and fee_online and result_far else "một phần"


def build_answer_key(data: WorldData, urls: dict[str, str], dead_base: str) -> dict:
    catalogue = {p.code for p in load_procedures()}
    services = {}
    for s in data.services:
        vendor = data.agency(s.agency).vendor
        if s.dead:
            # The bot sees a dead link itself: level 0, established directly.
            true_level, mode = 0, "direct"
        elif s.by_report:
            true_level, mode = s.declared_level, "by_report"
        else:
            true_level, mode = s.level, "direct"
        behaviours = sorted(s.tags) + VENDOR_TAGS[vendor]
        decree42 = None if mode != "direct" or true_level == 0 else decree42_class(s)
        services[s.id] = {
            "true_level": true_level, "mode": mode,
            "human_judgement": bool({"not_in_catalogue", "bundle"} & s.tags),
            "behaviours": behaviours, "procedure_codes": list(s.codes),
            "in_catalogue": bool(s.codes) and all(c in catalogue for c in s.codes),
            "declared_level": s.declared_level, "url": service_url(data, urls, dead_base, s),
            "vendor": vendor, "notes": _notes(s.tags), "decree42": decree42,
        }
    portals = {}
    for a in data.agencies:
        feats: dict[str, bool | str] = {k: True for k in PORTAL_ALWAYS}
        feats.update({k: bool(v) for k, v in a.features.items()})
        feats["url"] = urls[f"portal:{a.id}"]
        portals[a.id] = feats
    hostile_base = urls["dvc:bac-ninh"]
    return {"services": services, "portals": portals,
            "hostile": {k: hostile_base + p for k, p in HOSTILE_PATHS.items()}}
