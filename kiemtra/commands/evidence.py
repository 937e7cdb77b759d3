"""Commands that keep and prove evidence: `kiemtra keys`, `kiemtra evidence ...`, `kiemtra serve`.

`evidence verify` and `evidence verify-bundle` exit 1 when the evidence does not match what was
sealed (a changed, missing or added byte, a broken chain, a bad signature) and 0 when it does.
`verify-bundle` exits 4 (`NOT_AUTHENTICATED`) when the bundle is intact but no trusted public key was
given (`--public-key` or setting `signing.trusted_public_key`): its signatures then only match the
keys the bundle carries itself, which anyone re-signing a forged bundle can put there.
"""

from __future__ import annotations

import errno
import json
import os
import socket
from pathlib import Path

import click

from configuration.settings import Settings
from evidence import disputes, people, runs
from evidence.seal.bundle import export_bundle, runs_for, verify_bundle
from evidence.seal.manifest import seal_run, unsealed_runs
from evidence.seal.signing import DEFAULT_KEY_FILE, init_key, load_signer, read_public_key
from evidence.seal.verify import Report, verify
from evidence.seal.wacz import export_wacz
from evidence.store import Store
from kiemtra.commands.base import State, console, errors, pass_state
from kiemtra.errors import ConfigError, SetupError

TOKEN_ENV = "KIEMTRA_SERVE_TOKEN"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
NOT_AUTHENTICATED = 4  # intact, but not proven to come from the inspection (no trusted key)


def _trusted(public_key: str | None, settings: Settings) -> str | None:
    """The public key signatures must match: a file given, else that of the configured private key."""
    if public_key:
        return read_public_key(public_key)
    signer = load_signer(settings.signing.key_file)
    return signer.public_pem if signer else None


def _print_report(report: Report, as_json: bool, what: str) -> None:
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "authenticated": report.authenticated,
                               "runs": report.runs, "artifacts": report.artifacts,
                               "signed": report.signed, "keys": sorted(report.key_ids), "head": report.head,
                               "problems": [p.__dict__ for p in report.problems]}, ensure_ascii=False))
    else:
        for problem in report.problems:
            colour = "red" if problem.severity == "error" else "yellow"
            console.print(f"[{colour}]{'LỖI' if problem.severity == 'error' else 'lưu ý'}[/{colour}] {problem.line()}",
                          markup=True, highlight=False)
        verdict = "[green]NGUYÊN VẸN[/green]" if report.ok else f"[red]CÓ {len(report.errors)} SAI KHÁC[/red]"
        if report.ok and report.authenticated is False:
            verdict = "[yellow]NGUYÊN VẸN NHƯNG CHƯA XÁC THỰC[/yellow] (không có khóa công khai được tin cậy: --public-key)"
        console.print(f"{what}: {verdict} — {report.runs} lượt, {report.artifacts} tệp đã băm lại, "
                      f"{report.signed} bản kê có chữ ký hợp lệ (khóa {', '.join(sorted(report.key_ids)) or '—'}).",
                      markup=True)
        if report.head:
            console.print(f"Đầu chuỗi bản kê (ghi lại để đối chiếu về sau): {report.head}")
    if not report.ok:
        raise click.exceptions.Exit(1)
    if report.authenticated is False:
        raise click.exceptions.Exit(NOT_AUTHENTICATED)


@click.group("keys")
def keys_group() -> None:
    """The Ed25519 key that signs run manifests."""


@keys_group.command("init")
@click.option("--out", "out", metavar="FILE",
              help=f"Where to write the private key (default: setting signing.key_file, {DEFAULT_KEY_FILE}); "
                   "never inside the repo.")
@click.option("--force", is_flag=True, help="Replace an existing key (old manifests stay verifiable by their stored public key).")
@pass_state
def keys_init(state: State, out: str | None, force: bool) -> None:
    """Make a signing key (mode 0600) and its public key beside it (.pub).

    Example: kiemtra keys init --out /etc/kiemtra/signing-key.pem
    """
    path = Path(out or state.load().settings.signing.key_file).expanduser()
    signer = init_key(path, force=force)
    console.print(f"Đã tạo khóa ký: {path} (chỉ chủ sở hữu đọc được)")
    console.print(f"Khóa công khai: {path}.pub — mã khóa {signer.key_id}")
    console.print("Giữ tệp khóa bí mật ngoài kho mã nguồn; có thể đặt nội dung của nó vào biến môi trường KIEMTRA_SIGNING_KEY.")


@keys_group.command("show")
@pass_state
def keys_show(state: State) -> None:
    """Print the id and public key of the configured signing key (never the private key).

    Example: kiemtra keys show
    """
    signer = load_signer(state.load().settings.signing.key_file)
    if signer is None:
        raise SetupError("chưa có khóa ký — chạy `kiemtra keys init`; bản kê vẫn được nối chuỗi nhưng không có chữ ký")
    console.print(f"Mã khóa: {signer.key_id}")
    click.echo(signer.public_pem, nl=False)


@click.group("evidence")
def evidence_group() -> None:
    """Seal, verify and export the evidence of runs (R9, R13)."""


@evidence_group.command("seal")
@click.argument("run_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Seal every finished run that has no manifest yet.")
@pass_state
def seal_command(state: State, run_id: str | None, everything: bool) -> None:
    """Write the manifest of finished runs sealed before this feature (crawls seal their runs themselves).

    Example: kiemtra evidence seal --all
    """
    if bool(run_id) == everything:
        raise click.UsageError("cho một RUN_ID hoặc --all")
    config = state.load()
    signer = load_signer(config.settings.signing.key_file)
    with Store(config.settings.data) as store:
        ids = [run_id] if run_id else unsealed_runs(store)
        for rid in ids:
            seal_run(store, rid, signer)
    console.print(f"Đã niêm phong {len(ids)} lượt{'' if signer else ' (không có khóa ký: chưa ký)'}.")


@evidence_group.command("verify")
@click.argument("run_id", required=False)
@click.option("--all", "everything", is_flag=True, help="Every run, the whole chain, and stray files.")
@click.option("--public-key", metavar="FILE", help="Public key (PEM) signatures must match; default: that of the configured key.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every problem.")
@pass_state
def verify_command(state: State, run_id: str | None, everything: bool, public_key: str | None, as_json: bool) -> None:
    """Re-hash every artifact, check the chain, signatures and rows; report any changed, missing or added byte.

    Example: kiemtra evidence verify --all
    """
    if bool(run_id) == everything:
        raise click.UsageError("cho một RUN_ID hoặc --all")
    settings = state.load().settings
    trusted = _trusted(public_key, settings)
    with Store(settings.data) as store:
        report = verify(store, [run_id] if run_id else None, trusted)
    _print_report(report, as_json, "Kho bằng chứng")


@evidence_group.command("export")
@click.argument("ident", metavar="RUN_ID|SERVICE_ID")
@click.option("-o", "--out", "out", required=True, metavar="FILE.zip", help="The bundle to write.")
@pass_state
def export_command(state: State, ident: str, out: str) -> None:
    """Write the dispute bundle of a run, or of every sealed run of a service.

    Example: kiemtra evidence export bac-ninh-003 -o bac-ninh-003.zip
    """
    with Store(state.load().settings.data) as store:
        done = export_bundle(store, runs_for(store, ident), Path(out))
    console.print(f"Đã ghi gói bằng chứng {out}: {len(done['runs'])} lượt, {done['artifacts']} tệp, "
                  f"{done['signed']} bản kê có chữ ký.")


@evidence_group.command("wacz")
@click.argument("run_id")
@click.option("-o", "--out", "out", required=True, metavar="FILE.wacz", help="The WACZ web archive to write.")
@pass_state
def wacz_command(state: State, run_id: str, out: str) -> None:
    """Write the run's network exchange as a signed WACZ web archive (opens in ReplayWeb.page).

    Example: kiemtra evidence wacz 20250601T010000-a1b2c3 -o luot.wacz
    """
    with Store(state.load().settings.data) as store:
        size = export_wacz(store, run_id, Path(out))
    console.print(f"Đã ghi {out} ({size} byte): mở bằng ReplayWeb.page (https://replayweb.page, chọn tệp) "
                  f"để xem lại từng trang đúng như bot đã nhận; `wacz validate -f {out}` kiểm tra theo chuẩn.")


@evidence_group.command("verify-bundle")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", metavar="FILE",
              help="Public key (PEM) every manifest must be signed by (default: setting signing.trusted_public_key).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with every problem.")
@pass_state
def verify_bundle_command(state: State, bundle: str, public_key: str | None, as_json: bool) -> None:
    """Check a dispute bundle offline: signatures, every file's hash, the chain, stray files.

    \b
    Exit codes: 0 intact and signed by the trusted key; 1 something differs (a changed, missing or
    added file, a broken chain, a manifest unsigned or signed by another key: each is named);
    2 not a bundle kiemtra wrote (damaged, not a zip, too large); 4 intact but not authenticated
    (no trusted key given: anyone can re-sign a bundle with a key of their own).

    Example: kiemtra evidence verify-bundle bac-ninh-003.zip --public-key signing-key.pem.pub
    """
    configured = public_key or state.load().settings.signing.trusted_public_key
    trusted = read_public_key(configured) if configured else None
    _print_report(verify_bundle(Path(bundle), trusted), as_json, f"Gói {bundle}")


@evidence_group.command("dispute")
@click.argument("service_id")
@click.option("--note", required=True, help="What the agency disputes (kept with the service).")
@click.option("--run", "run_id", metavar="RUN_ID", help="The run the dispute is about.")
@click.option("--by", "opened_by", default=lambda: os.environ.get("USER", ""), help="Who records it (default: $USER).")
@pass_state
def dispute_command(state: State, service_id: str, note: str, run_id: str | None, opened_by: str) -> None:
    """Record that an agency disputes a service's verdict; the evidence browser can filter on it.

    Example: kiemtra evidence dispute bac-ninh-003 --note "Cơ quan cho rằng đã có thanh toán trực tuyến"
    """
    with Store(state.load().settings.data) as store:
        if run_id and not runs.exists(store, run_id):
            raise ConfigError(f"không có lượt kiểm tra {run_id} trong kho", field="--run",
                              fix="xem mã lượt bằng `kiemtra runs --target SERVICE_ID`")
        if disputes.open_service_dispute(store, service_id, note, run_id=run_id, opened_by=opened_by) is None:
            raise click.UsageError(f"không có dịch vụ {service_id} trong kho")
    console.print(f"Đã ghi nhận khiếu nại về {service_id}.")


LISTEN_WORDS = {errno.EADDRINUSE: "cổng đang được chương trình khác dùng", errno.EACCES: "cần quyền quản trị cho cổng dưới 1024",
                errno.EADDRNOTAVAIL: "địa chỉ này không thuộc máy này"}


def _can_listen(host: str, port: int) -> None:
    """Refuse before the server starts when it could not listen there (the web server would only print and exit)."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        if isinstance(exc, socket.gaierror) or (exc.errno or 0) < 0:  # create_server re-raises a resolver error as OSError
            raise SetupError(f"không có địa chỉ {host}; dùng --host 127.0.0.1 hoặc địa chỉ IP của máy này") from None
        why = LISTEN_WORDS.get(exc.errno or 0, type(exc).__name__)
        raise SetupError(f"không mở được {host}:{port}: {why}; chọn --port khác (setting serve.port)") from None


@click.command("serve")
@click.option("--host", metavar="ADDR",
              help="Address to listen on (setting serve.host); other than loopback needs users (`kiemtra users add`) "
                   "or KIEMTRA_SERVE_TOKEN.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (setting serve.port).")
@pass_state
def serve_command(state: State, host: str | None, port: int | None) -> None:
    """The evidence browser and the inspectors' workspace, on the waitress WSGI server.

    Without users it is read-only (loopback, or anywhere with KIEMTRA_SERVE_TOKEN); with users every page
    needs a sign-in and decisions are audited. HTTPS: behind a reverse proxy (docs/workspace.md).

    \b
    Example: kiemtra serve --port 8800
    Example: KIEMTRA_SERVE_TOKEN=... kiemtra serve --host 0.0.0.0 --port 8800
    """
    import logging

    import waitress

    from evidence.web import create_app

    config = state.load()
    settings = config.settings
    host, port = host or settings.serve.host, port or settings.serve.port
    token = os.environ.get(TOKEN_ENV) or None
    if host not in LOOPBACK and not token:
        with Store(settings.data) as store:
            with_users = people.has_users(store)
        if not with_users:
            raise SetupError(f"mở cho địa chỉ {host} cần người dùng (`kiemtra users add`) hoặc mật khẩu: "
                             f"đặt biến môi trường {TOKEN_ENV}")
    _can_listen(host, port)
    with Store(settings.data) as store:
        with_users = people.has_users(store)  # also applies pending migrations once; reads use a read-only store
    serve = settings.serve
    app = create_app(settings.data, token=token, session_hours=serve.session_hours, idle_minutes=serve.idle_minutes,
                     secure_cookies=serve.secure_cookies)
    app.extensions["kiemtra_config"] = config  # the workspace pages read criteria and agencies from it
    from kiemtra.commands.score import report_writer
    app.config["REPORT_WRITER"] = report_writer(config)   # the "Báo cáo" page (evidence/web/views.py)
    attachment_max = int(settings.confirmation.attachment_max_mb * 2**20)   # the confirmation round's uploads
    app.config.update(ATTACHMENT_MAX_BYTES=attachment_max, MAX_CONTENT_LENGTH=attachment_max + 2**20)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    mode = "cần đăng nhập" if with_users else ("cần mật khẩu, chỉ đọc" if token else "chỉ đọc, chỉ máy này")
    errors.print(f"Trình duyệt bằng chứng: http://{host}:{port}/ ({mode})")
    if serve.trusted_proxy:   # behind a TLS-terminating proxy: believe its X-Forwarded-* (docs/workspace.md)
        waitress.serve(app, host=host, port=port, threads=serve.threads, ident="kiemtra",
                       trusted_proxy=serve.trusted_proxy, trusted_proxy_count=1,
                       trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
                       clear_untrusted_proxy_headers=True)
    else:
        waitress.serve(app, host=host, port=port, threads=serve.threads, ident="kiemtra")


COMMANDS = [keys_group, evidence_group, serve_command]
