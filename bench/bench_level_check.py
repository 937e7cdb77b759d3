"""Seconds per level-3 check and peak memory, with evidence capture on and off (issue 3), against
a plain Playwright script walking the same flow of the same services with direct selectors (issue 14).

One command, one process: the demo world is started here, the same level-3 services are checked
one by one with capture on (screenshots, HTML, video, trace, network as WACZ) and off (none of them),
and walked by the plain script (what Chromium needs to load and render the same pages: no heuristics, no
capture, waits on the element it needs next, and writes the same dossier; once more with the dossier's required
fields only), all one right after the other for each service so all meet the same machine noise; figures, the
on/off ratio and the bot/plain ratio are printed with the machine. Besides wall time, the CPU seconds of this
process and its children (driver, Chromium, ffmpeg) are counted per check: on a machine shared with other
work they move far less than wall time.

    .venv/bin/python bench/bench_level_check.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.machine import PeakMemory, describe, tree_cpu_s  # noqa: E402
from configuration.loader import load_all  # noqa: E402
from crawler.bot import accounts  # noqa: E402
from crawler.browser.launch import chromium  # noqa: E402
from crawler.visits.service import check_service  # noqa: E402
from evidence import agencies  # noqa: E402
from evidence.store import Store  # noqa: E402
from kiemtra.commands.world import write_world_config  # noqa: E402

# Level-3 services of each vendor style (server-rendered, single-page app, iframe), none flaky.
SERVICES = ["bac-ninh-001", "bac-ninh-002", "bo-tp-004", "bo-tp-005", "thua-thien-hue-005", "thua-thien-hue-006"]
CAPTURE_ON = {"screenshots": True, "html": True, "video": True, "trace": True, "network": True}
CAPTURE_OFF = {"screenshots": False, "html": False, "video": False, "trace": False, "network": False}


def capture_settings(capture: dict) -> dict:
    """The capture switches this checkout knows (an older one has no `network`), so one bench runs on both."""
    from configuration.settings import Capture

    return {k: v for k, v in capture.items() if k in Capture.model_fields}


def cpu_seconds() -> float:
    """User + system CPU of this process and of its children that have ended (a browser closed by `run`)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def run(config_dir: Path, data: Path, capture: dict, ids: list[str]) -> list[float]:
    config = load_all(config_dir, {"data": str(data), "capture": capture_settings(capture)})
    seconds = []
    async with chromium(config.settings) as browser:
        with Store(config.settings.data) as store:
            agencies.sync(store, [{**a.model_dump(exclude={"services"}), "services": [s.model_dump() for s in a.services]}
                                 for a in config.agencies])
            for service_id in ids:
                agency, service = config.service(service_id)
                accounts.forget_all()  # register every time, as the plain script does
                t0 = time.perf_counter()
                done = await check_service(browser, agency, service, store, config.settings)
                seconds.append(time.perf_counter() - t0)
                if done.verdict.level != 3:
                    raise SystemExit(f"{service_id}: expected level 3, got {done.verdict.level} ({done.verdict.mode})")
    return seconds


# --- the plain script: the same citizen's flow with each vendor's selectors written in --------------------------
PDF = {"name": "tai-lieu.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}


# What the bot also writes in the dossier form (all three vendors ask for them, none marks them required): the plain
# script writes them too unless it walks with the required fields only (`full=False`, the baseline of sessions 5-11).
MORE_OF_THE_DOSSIER = (("ngay_sinh", "1990-01-15"), ("dia_chi", "Số 1 Lý Thái Tổ, phường Suối Hoa, Bắc Ninh"),
                       ("so_dien_thoai", "0912345678"), ("noi_dung", "Đề nghị cơ quan xem xét, giải quyết hồ sơ theo quy định."))


async def fill_dossier(locate, full: bool) -> None:
    """The dossier form through `locate` (selector → locator, in the page or in its frame)."""
    await locate("[name=ho_ten]").fill("Nguyễn Văn Kiểm")
    await locate("[name=so_cccd]").fill("001090012345")
    if full:
        for name, value in MORE_OF_THE_DOSSIER:
            await locate(f"[name={name}]").fill(value)
    await locate("[name=tep_to_khai]").set_input_files(PDF)
    if full:
        await locate("[name=tep_giay_to]").set_input_files(PDF)
        await locate("[name=hinh_thuc_nhan_ket_qua]").last.check()
    await locate("[name=cam_ket]").check()


async def _mail_link(page, mail_api: str, address: str) -> str:
    for _ in range(100):
        messages = await (await page.request.get(mail_api + "api/messages?to=" + address)).json()
        if messages:
            return messages[-1]["links"][0]
        await asyncio.sleep(0.05)
    raise SystemExit(f"no activation mail for {address}")


async def plain_vendor_a(page, url: str, world, n: int, full: bool) -> str:
    email, password = f"plain{n}@hopthu.demo", "Kt-plain-123@9"
    await page.goto(url)
    await page.click("a.btn")
    await page.click("main a[href='/dang-ky']")
    for name, value in (("ho_ten", "Nguyễn Văn Kiểm"), ("so_cccd", "001090012345"), ("so_dien_thoai", "0912345678"),
                        ("email", email), ("mat_khau", password), ("nhap_lai_mat_khau", password)):
        await page.fill(f"[name={name}]", value)
    await page.click("main button[type=submit]")
    await page.wait_for_selector("text=Đăng ký tài khoản thành công")
    await page.goto(await _mail_link(page, world.urls["mail"], email))
    await page.goto(url + "/nop-ho-so")
    await page.fill("[name=ten_dang_nhap]", email)
    await page.fill("[name=mat_khau]", password)
    await page.click("main button[type=submit]")
    await page.wait_for_selector("[name=ho_ten]")
    await fill_dossier(page.locator, full)
    await page.click("button[value=nop]")
    code = (await page.inner_text(".ma-ho-so strong")).strip()
    await page.goto(world.urls["dvc:bac-ninh"] + "tra-cuu-ho-so?ma_ho_so=" + code)
    await page.wait_for_selector(".trang-thai")
    return code


async def plain_vendor_b(page, url: str, world, n: int, full: bool) -> str:
    email, password = f"plain{n}@hopthu.demo", "Kt-plain-123@9"
    await page.goto(url)
    await page.click("#nop-truc-tuyen")
    await page.click("a[href^='/tai-khoan/tao-tai-khoan?next=']")
    for name, value in (("ho_ten", "Nguyễn Văn Kiểm"), ("email", email), ("so_dien_thoai", "0912345678"),
                        ("mat_khau", password), ("nhap_lai_mat_khau", password)):
        await page.fill(f"[name={name}]", value)
    await page.click("#bieu-mau button")
    await page.wait_for_url("**/tai-khoan/dang-nhap**")
    await page.fill("[name=email]", email)
    await page.fill("[name=mat_khau]", password)
    await page.click("#bieu-mau button")
    await page.wait_for_selector("[name=cam_ket]")
    await fill_dossier(page.locator, full)
    await page.click("#bieu-mau button")
    code = (await page.inner_text(".ma-ho-so strong")).strip()
    await page.click("a[href='/tra-cuu']")
    await page.fill("[name=ma_ho_so]", code)
    await page.click("#tra-cuu button")
    await page.wait_for_selector("#ket-qua .trang-thai")
    return code


async def plain_vendor_c(page, url: str, world, n: int, full: bool) -> str:
    email, password = f"plain{n}@hopthu.demo", "Kt-plain-123@9"
    await page.goto(url)
    form = page.frame_locator("#khung-bieu-mau")
    await form.locator("a[href^='/tai-khoan/dang-ky']").click()
    for name, value in (("ho_ten", "Nguyễn Văn Kiểm"), ("ten_dang_nhap", email), ("so_dien_thoai", "0912345678"),
                        ("mat_khau", password)):
        await form.locator(f"[name={name}]").fill(value)
    await form.locator("button[type=submit]").click()
    await form.locator("text=Đăng ký tài khoản thành công").wait_for()
    await form.locator("[name=ten_dang_nhap]").fill(email)
    await form.locator("[name=mat_khau]").fill(password)
    await form.locator("button[type=submit]").click()
    await form.locator("[name=cam_ket]").wait_for()
    await fill_dossier(form.locator, full)
    await form.locator("button[type=submit]").click()
    code = (await form.locator(".ma-ho-so strong").inner_text()).strip()
    await page.goto(world.urls["dvc:thua-thien-hue"] + "tra-cuu-ho-so?ma_ho_so=" + code)
    await page.frame_locator("iframe").locator(".trang-thai").wait_for()
    return code


PLAIN = {"bac-ninh": plain_vendor_a, "bo-tp": plain_vendor_b, "thua-thien-hue": plain_vendor_c}


async def walk_plain(browser, world, service_id: str, n: int, full: bool = True) -> float:
    """One service walked by the plain script in a fresh context of `browser`; its seconds."""
    key = world.answer_key()["services"]
    t0 = time.perf_counter()
    context = await browser.new_context()
    page = await context.new_page()
    await PLAIN[service_id.rsplit("-", 1)[0]](page, key[service_id]["url"], world, n, full)
    await context.close()
    return time.perf_counter() - t0


async def interleaved(world, config_dir: Path, scratch: Path, rounds: int) -> tuple[dict, dict, dict]:
    """Each service checked with capture on, off and walked by the plain script, one right after the other (the
    order turning with each service), so that a noisy neighbour of the machine slows all three alike."""
    from playwright.async_api import async_playwright

    configs = {label: load_all(config_dir, {"data": str(scratch / f"var-{label}"), "capture": capture_settings(capture)})
               for label, capture in (("on", CAPTURE_ON), ("off", CAPTURE_OFF))}
    figures: dict[str, list[float]] = {"on": [], "off": [], "plain": [], "required": []}
    cpu = dict.fromkeys(figures, 0.0)
    peaks = dict.fromkeys(figures, 0.0)
    stores = {label: Store(config.settings.data) for label, config in configs.items()}
    for label, store in stores.items():
        agencies.sync(store, [{**a.model_dump(exclude={"services"}), "services": [s.model_dump() for s in a.services]}
                              for a in configs[label].agencies])
    try:
        async with chromium(configs["off"].settings) as browser, async_playwright() as playwright:
            plain_browser = await playwright.chromium.launch(executable_path=_chromium_path())
            turn = 0
            for round_number in range(rounds):
                for n, service_id in enumerate(SERVICES):
                    for label in [tuple(figures)[(turn + k) % len(figures)] for k in range(len(figures))]:
                        before = tree_cpu_s(os.getpid())
                        with PeakMemory() as memory:
                            if label in ("plain", "required"):
                                walk = round_number * 100 + n + (50 if label == "required" else 0)
                                figures[label].append(await walk_plain(plain_browser, world, service_id, walk,
                                                                       full=label == "plain"))
                            else:
                                figures[label].append(await check_once(browser, configs[label], stores[label], service_id))
                        cpu[label] += tree_cpu_s(os.getpid()) - before
                        peaks[label] = max(peaks[label], memory.peak)
                    turn += 1
            await plain_browser.close()
    finally:
        for store in stores.values():
            store.close()
    return figures, cpu, peaks


async def check_once(browser, config, store: Store, service_id: str) -> float:
    """One level-3 check by the bot, registering anew as the plain script does; its seconds."""
    agency, service = config.service(service_id)
    accounts.forget_all()
    t0 = time.perf_counter()
    done = await check_service(browser, agency, service, store, config.settings)
    if done.verdict.level != 3:
        raise SystemExit(f"{service_id}: expected level 3, got {done.verdict.level} ({done.verdict.mode})")
    return time.perf_counter() - t0


def _chromium_path() -> str | None:
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds over the services (each: capture on, off, plain script)")
    args = parser.parse_args()
    from demoworld import start_world

    world = start_world(base_port=0)
    scratch = Path(tempfile.mkdtemp(prefix="kiemtra-bench-"))
    config_dir = write_world_config(world, scratch / "config")
    try:
        figures, cpu, peaks = asyncio.run(interleaved(world, config_dir, scratch, args.rounds))
    finally:
        world.stop()
    print(describe())
    print(f"level-3 checks: {len(SERVICES)} services × {args.rounds} rounds per mode, one at a time; for each service "
          f"capture on, off and the plain script one right after the other (memory: both browsers)")
    for label in ("on", "off"):
        values = figures[label]
        print(f"capture {label:3}: {statistics.mean(values):6.2f} s/check (median {statistics.median(values):.2f}, "
              f"min {min(values):.2f}, max {max(values):.2f}); peak memory {peaks[label]:.0f} MiB (process + browser)")
    plain = figures["plain"]
    print(f"plain Playwright script, direct selectors, the same dossier as the bot: {statistics.mean(plain):6.2f} s/check "
          f"(median {statistics.median(plain):.2f}, min {min(plain):.2f}, max {max(plain):.2f})")
    required = figures["required"]
    print(f"plain script, the dossier's required fields only: {statistics.mean(required):6.2f} s/check "
          f"(median {statistics.median(required):.2f})")
    ratio = statistics.mean(figures["on"]) / statistics.mean(figures["off"])
    print(f"capture on / off: time × {ratio:.2f}, memory × {peaks['on'] / max(peaks['off'], 1):.2f}")
    pairs = [off / walked for off, walked in zip(figures["off"], plain)]
    print(f"bot (capture off) / plain script: time × {statistics.mean(figures['off']) / statistics.mean(plain):.2f} "
          f"(median of the {len(pairs)} pairs × {statistics.median(pairs):.2f}); against the required fields only "
          f"× {statistics.mean(figures['off']) / statistics.mean(required):.2f}")
    for n, service_id in enumerate(SERVICES):   # the rounds' figures of one service sit len(SERVICES) apart
        off, walked = figures["off"][n::len(SERVICES)], plain[n::len(SERVICES)]
        print(f"  {service_id:20} bot {statistics.mean(off):5.2f} s, plain {statistics.mean(walked):5.2f} s: "
              f"× {statistics.mean(off) / statistics.mean(walked):.2f}")
    print_cpu(cpu, len(SERVICES) * args.rounds)


def print_cpu(cpu: dict[str, float], checks: int) -> None:
    """CPU seconds per check (process + browser + ffmpeg) and their on/off ratio."""
    print(f"cpu per check: on {cpu['on'] / checks:.2f} s, off {cpu['off'] / checks:.2f} s, plain {cpu.get('plain', 0) / checks:.2f} s; "
          f"capture on / off: cpu × {cpu['on'] / max(cpu['off'], 1e-9):.2f}")


if __name__ == "__main__":
    main()
