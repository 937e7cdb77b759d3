"""Catalogue commands: `kiemtra catalogue import|harvest|history`, `kiemtra lookup`, `kiemtra match`,
`kiemtra services counted`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from checks.catalogue import CLASS_LABEL, Declared
from evidence import catalogue, matches
from evidence.clock import utc_now
from evidence.store import Store
from kiemtra.commands.base import State, console, pass_state, synced_store
from kiemtra.errors import ConfigError, KiemtraError
from office.catalogue_import import CODE, import_file
from office.matching import counted, match_all, matcher_for


@click.group("catalogue")
def catalogue_group() -> None:
    """The CSDL TTHC procedures catalogue that declared services are matched against."""


@catalogue_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", metavar="NAME", help="Where the records came from (default: the file name).")
@click.option("--full", is_flag=True, help="The file is the whole catalogue of its source: codes missing are withdrawn.")
@pass_state
def import_command(state: State, file: Path, source: str | None, full: bool) -> None:
    """Import procedures from a CSV, JSON or XLSX export; re-imports update in place, keeping history.

    Example: kiemtra catalogue import tthc.xlsx --source "CSDL TTHC 2024" --full
    """
    config = state.load()
    with Store(config.settings.data) as store:
        report = import_file(store, file, source=source, full=full)
        total = catalogue.procedure_count(store)
    console.print(f"Đã nhập {file}: thêm {report.added}, đổi tên {report.renamed}, cập nhật {report.updated}, "
                  f"bãi bỏ {report.withdrawn}, khôi phục {report.restored}, không đổi {report.unchanged}. "
                  f"Danh mục có {total} thủ tục đang hiệu lực.")


@catalogue_group.command("harvest")
@click.argument("url")
@click.option("--fresh", is_flag=True, help="Start over instead of resuming an interrupted harvest.")
@click.option("--rps", type=float, help="Requests per second to the site (setting: politeness.per_host_rps).")
@pass_state
def harvest_command(state: State, url: str, fresh: bool, rps: float | None) -> None:
    """Walk a CSDL TTHC site's search and detail pages politely into the catalogue (resumable).

    Example: kiemtra catalogue harvest http://127.0.0.1:8705/thu-tuc-hanh-chinh
    """
    from crawler.spiders.harvest import harvest

    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"địa chỉ {url!r} không hợp lệ", field="URL", fix="dùng địa chỉ đầy đủ bắt đầu bằng http:// hoặc https://")
    config = state.load(**({"politeness": {"per_host_rps": rps}} if rps else {}))
    summary = harvest(config.settings, url, resume=not fresh)
    with Store(config.settings.data) as store:
        total = catalogue.procedure_count(store)
    console.print(f"Thu thập {url}: {summary.pages} trang, lưu {summary.stored} thủ tục, bỏ qua {summary.rejected} "
                  f"trang lỗi dữ liệu, {summary.failed_requests} yêu cầu thất bại. Danh mục có {total} thủ tục.")
    if summary.failed_requests or summary.finish_reason not in ("finished", ""):
        raise click.exceptions.Exit(1)


@catalogue_group.command("history")
@click.argument("code")
@pass_state
def history_command(state: State, code: str) -> None:
    """Show a procedure's record and every change to it (added, renamed, withdrawn...).

    Example: kiemtra catalogue history 1.001193
    """
    config = state.load()
    with Store(config.settings.data) as store:
        row, changes = catalogue.procedure(store, code), catalogue.history(store, code)
    if row is None:
        raise ConfigError(f"không có mã {code} trong danh mục", field="CODE", fix="xem `kiemtra lookup \"TÊN\"`")
    console.print(f"{row['code']} — {row['name']} ({'đang hiệu lực' if row['status'] == 'active' else 'đã bãi bỏ'})")
    for change in changes:
        console.print(escape(f"  {change['changed_at']} {change['change']}: "
                             f"{change['old_name'] or ''} → {change['new_name'] or ''} [{change['source']}]"))


@click.command("lookup")
@click.argument("name")
@click.option("--code", metavar="CODE", help="The declared procedure code, checked against the name.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def lookup_command(state: State, name: str, code: str | None, as_json: bool) -> None:
    """Show the best catalogue candidates for a name, with code, score and why they matched.

    Example: kiemtra lookup "Cấp GCN QSDĐ lần đầu (mức độ 3)"
    """
    config = state.load()
    with Store(config.settings.data) as store:
        if not catalogue.procedure_count(store):
            raise ConfigError("danh mục thủ tục đang trống",
                              fix="chạy `kiemtra catalogue import TỆP` hoặc `kiemtra catalogue harvest URL` trước")
        found = matcher_for(store, config.settings.matching).match(Declared(name, code))
    if as_json:
        click.echo(json.dumps({"class": found.match_class, "codes": list(found.codes), "score": found.score,
                               "reasons": list(found.reasons),
                               "candidates": [{"code": c.procedure.code, "name": c.procedure.name, "score": c.score,
                                               "reasons": list(c.reasons)} for c in found.candidates]},
                              ensure_ascii=False))
        return
    console.print(f"Kết quả: {CLASS_LABEL[found.match_class]} {', '.join(found.codes)} — " + "; ".join(found.reasons),
                  markup=False)
    table = Table("mã", "tên thủ tục", "điểm", "vì sao")
    for candidate in found.candidates:
        table.add_row(candidate.procedure.code, escape(candidate.procedure.name), f"{candidate.score:.1f}",
                      escape("; ".join(candidate.reasons)))
    console.print(table)


@click.group("match")
def match_group() -> None:
    """Match declared services to the catalogue; inspectors confirm or correct the results."""


@match_group.command("run")
@click.option("--agency", metavar="ID", help="Only this agency's services.")
@pass_state
def match_run_command(state: State, agency: str | None) -> None:
    """Match every declared service against the catalogue now and store the results.

    Example: kiemtra match run --agency bac-ninh
    """
    config = state.load_for(agency)
    with synced_store(config) as store:
        results = match_all(store, agency, config.settings.matching)
    table = Table("dịch vụ", "kết quả", "mã", "điểm", "người quyết định")
    for found in results:
        table.add_row(found.service_id, CLASS_LABEL[found.match_class], ", ".join(found.codes), f"{found.score:.1f}",
                      "tự động" if found.decided_by == "auto" else found.decided_by)
    console.print(table)
    tally = {c: sum(1 for f in results if f.match_class == c) for c in CLASS_LABEL}
    console.print("Tổng: " + ", ".join(f"{CLASS_LABEL[c]} {n}" for c, n in tally.items()))


def _decide(state: State, service_id: str, action: str, codes: tuple[str, ...], inspector: str, note: str) -> None:
    config = state.load()
    config.service(service_id)
    for code in codes:
        if not CODE.match(code):
            raise ConfigError(f"mã {code!r} không đúng dạng", field="CODE", fix="mã thủ tục có dạng d.dddddd, ví dụ 1.001193")
    with synced_store(config) as store:
        for code in codes:
            row = catalogue.procedure(store, code)
            if row is None or row["status"] != "active":
                raise ConfigError(f"mã {code} không có (hoặc đã bãi bỏ) trong danh mục", field="CODE",
                                  fix="tìm mã đúng bằng `kiemtra lookup \"TÊN\"`")
        if action == "confirm" and matches.automatic(store, service_id) is None:
            match_all(store, None, config.settings.matching)
        matches.record_decision(store, service_id, action, codes, inspector, note, utc_now())
        found = matches.match_of(store, service_id)
    assert found is not None
    console.print(f"Đã lưu: {service_id} → {CLASS_LABEL[found.match_class]} {', '.join(found.codes)} "
                  f"(cán bộ {inspector}); quyết định này được dùng trong các lần chạy sau.")


_INSPECTOR = click.option("--by", "inspector", required=True, metavar="NAME", help="The inspector deciding.")
_NOTE = click.option("--note", default="", help="Why, in a few words.")


@match_group.command("confirm")
@click.argument("service_id")
@_INSPECTOR
@_NOTE
@click.option("--published-url", metavar="URL",
              help="R3/R5 portal route: the competent authority's portal page publishing the procedure (captured).")
@pass_state
def match_confirm_command(state: State, service_id: str, inspector: str, note: str, published_url: str | None) -> None:
    """Confirm the automatic match of a service (e.g. a weak one) as it stands, or where it is published.

    Example: kiemtra match confirm bac-ninh-015 --by "Nguyễn Văn A"
    Example: kiemtra match confirm bac-ninh-013 --by "Nguyễn Văn A" --published-url https://sonoivu.bacninh.gov.vn/tthc/42
    """
    if published_url is None:
        _decide(state, service_id, "confirm", (), inspector, note)
        return
    _published(state, service_id, published_url, inspector, note)


def _published(state: State, service_id: str, url: str, inspector: str, note: str) -> None:
    """Capture the page that publishes the procedure and record the portal-route decision (R3/R5)."""
    import asyncio
    from urllib.parse import urlsplit

    from crawler.visits.published import capture_published
    from evidence import judgements

    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url!r} không phải địa chỉ trang web", field="--published-url",
                          fix="dùng địa chỉ đầy đủ, ví dụ https://sonoivu.bacninh.gov.vn/tthc/42")
    config = state.load()
    agency, _ = config.service(service_id)
    with synced_store(config) as store:
        page = asyncio.run(capture_published(store, config.settings, agency.id, service_id, url.strip()))
        if page.error:
            raise KiemtraError(f"không mở được {url} ({page.error}); chưa ghi quyết định — xem lượt {page.run_id}")
        judgements.record_published_url(store, service_id, agency.id, page.url, run_id=page.run_id,
                                        http_status=page.http_status, html_sha256=page.html_sha256,
                                        screenshot_sha256=page.screenshot_sha256, inspector=inspector, note=note)
    console.print(f"Đã lưu: {service_id} được công bố tại {page.url} (cán bộ {inspector}); trang đã chụp ở lượt "
                  f"{page.run_id} (ảnh {str(page.screenshot_sha256)[:12]}…, HTML {str(page.html_sha256)[:12]}…). "
                  "Dịch vụ được kiểm tra mức độ ở các lần chạy sau (R3, R5).")


@match_group.command("correct")
@click.argument("service_id")
@click.argument("codes", nargs=-1, required=True)
@_INSPECTOR
@_NOTE
@pass_state
def match_correct_command(state: State, service_id: str, codes: tuple[str, ...], inspector: str, note: str) -> None:
    """Set the procedure code(s) of a service by hand; several codes for a bundling service (R4).

    Example: kiemtra match correct bac-ninh-012 2.000986 1.001193 1.004222 --by "Nguyễn Văn A"
    """
    _decide(state, service_id, "correct", codes, inspector, note)


@match_group.command("reject")
@click.argument("service_id")
@_INSPECTOR
@_NOTE
@pass_state
def match_reject_command(state: State, service_id: str, inspector: str, note: str) -> None:
    """Record that a service matches no procedure: it is not level-checked (R5).

    Example: kiemtra match reject thua-thien-hue-010 --by "Nguyễn Văn A" --note "không có trong CSDL"
    """
    _decide(state, service_id, "reject", (), inspector, note)


@click.group("services")
def services_group() -> None:
    """Declared services as the evaluation counts them."""


@services_group.command("counted")
@click.option("--agency", metavar="ID", help="Only this agency.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def counted_command(state: State, agency: str | None, as_json: bool) -> None:
    """List the counted services (R4): each procedure once per agency, bundles split; and what does not count.

    Example: kiemtra services counted --agency bac-ninh
    """
    config = state.load_for(agency)
    with synced_store(config) as store:
        if not catalogue.procedure_count(store):
            raise ConfigError("danh mục thủ tục đang trống", fix="chạy `kiemtra catalogue import TỆP` trước")
        for row in matches.stored_service_ids(store, agency):
            if matches.match_of(store, row["id"]) is None:
                match_all(store, agency, config.settings.matching)
                break
        result = counted(store, agency)
        names = {r["code"]: r["name"] for c in result.counted for r in [catalogue.procedure(store, c.code) or {}] if r}
    if as_json:
        click.echo(json.dumps({
            "counted": [{"agency": c.agency_id, "code": c.code, "name": names.get(c.code, ""),
                         "services": [s.service_id for s in c.services], "reasons": c.reasons} for c in result.counted],
            "not_counted": [{"service": s.service_id, "agency": s.agency_id, "why": why} for s, why in result.not_counted],
        }, ensure_ascii=False))
        return
    table = Table("cơ quan", "mã", "thủ tục", "dịch vụ khai báo", "gộp / tách")
    for c in result.counted:
        table.add_row(c.agency_id, c.code, escape(names.get(c.code, "")), ", ".join(s.service_id for s in c.services),
                      "; ".join(c.reasons))
    console.print(table)
    console.print(f"Được đếm: {result.total()} dịch vụ công trực tuyến.")
    for service, why in result.not_counted:
        console.print(f"Không đếm {service.service_id} (“{service.name}”): {why}", markup=False)


COMMANDS = [catalogue_group, lookup_command, match_group, services_group]
