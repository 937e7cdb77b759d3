"""The SPA vendor (B) and the iframe vendor (C) driven by a real Chromium."""
from __future__ import annotations

import re

import pytest

from demoworld import start_world

pytestmark = pytest.mark.e2e
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def world():
    w = start_world()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


def _nfd_text(page) -> str:
    import unicodedata
    return unicodedata.normalize("NFC", page.inner_text("body"))


def test_spa_level3_flow(world, browser, tmp_path):
    import unicodedata
    url = world.answer_key()["services"]["bo-tp-004"]["url"]
    upload = tmp_path / "to-khai.pdf"
    upload.write_bytes(b"%PDF-1.4 demo")
    page = browser.new_page()
    page.goto(url)
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731 - the whole site is decomposed Unicode
    page.get_by_role("button", name=nfd("Nộp trực tuyến")).click()
    page.get_by_role("link", name=nfd("Tạo tài khoản")).last.click()
    page.fill("input[name=ho_ten]", "Nguyễn Văn Kiểm")
    page.fill("input[name=email]", "spa@hopthu.demo")
    page.fill("input[name=mat_khau]", "MatKhau@123")
    page.fill("input[name=nhap_lai_mat_khau]", "MatKhau@123")
    page.get_by_role("button", name=nfd("Tạo tài khoản")).click()
    page.wait_for_url("**/tai-khoan/dang-nhap**")
    page.fill("input[name=email]", "spa@hopthu.demo")
    page.fill("input[name=mat_khau]", "MatKhau@123")
    page.get_by_role("button", name=nfd("Đăng nhập")).click()
    page.wait_for_selector("input[type=file]")
    page.fill("input[name=ho_ten]", "Nguyễn Văn Kiểm")
    page.fill("input[name=so_cccd]", "001099012345")
    page.set_input_files("input[name=tep_to_khai]", str(upload))
    page.check("input[name=cam_ket]")
    page.get_by_role("button", name=nfd("Nộp hồ sơ")).click()
    page.wait_for_selector(".ma-ho-so")
    assert re.search(r"Mã hồ sơ: 000\.\d\d\.\d\d\.G13-\d{6}-\d{4}", _nfd_text(page))
    page.close()


def test_iframe_level3_flow(world, browser, tmp_path):
    url = world.answer_key()["services"]["thua-thien-hue-001"]["url"]
    upload = tmp_path / "don.pdf"
    upload.write_bytes(b"%PDF-1.4 demo")
    page = browser.new_page()
    page.goto(url)
    frame = page.frame_locator("iframe#khung-bieu-mau")
    frame.get_by_role("link", name="Đăng ký tài khoản").click()
    frame.locator("input[name=ho_ten]").fill("Trần Thị Huế")
    frame.locator("input[name=ten_dang_nhap]").fill("iframe@hopthu.demo")
    frame.locator("input[name=mat_khau]").fill("MatKhau@123")
    frame.get_by_role("button", name="Đăng ký tài khoản").click()
    frame.locator("p.ok").wait_for()  # the success page carries the login form
    frame.locator("input[name=ten_dang_nhap]").fill("iframe@hopthu.demo")
    frame.locator("input[name=mat_khau]").fill("MatKhau@123")
    frame.get_by_role("button", name="Đăng nhập").click()
    frame.locator("input[type=file]").first.wait_for()
    frame.locator("input[name=ho_ten]").fill("Trần Thị Huế")
    frame.locator("input[name=so_cccd]").fill("046092004321")
    frame.locator("input[name=tep_to_khai]").set_input_files(str(upload))
    frame.locator("input[name=cam_ket]").check()
    frame.get_by_role("button", name="Nộp hồ sơ").click()
    text = frame.locator(".ma-ho-so").inner_text()
    assert re.search(r"Mã hồ sơ: 000\.\d\d\.\d\d\.H57-\d{6}-\d{4}", text)
    page.close()
