"""The demo world over plain HTTP: sites, catalogue, level-3/4 flows, flaky, dead links, reset, config."""
from __future__ import annotations

import csv
import io
import json
import re
import socket
import unicodedata
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from demoworld_helpers import Client

from demoworld import start_world

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world():
    w = start_world()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def key(world):
    return world.answer_key()


def test_every_site_answers(world):
    c = Client()
    for name, url in world.urls.items():
        status, _, body = c.get(url)
        assert status == 200, name
        assert "<html" in body.lower()


def test_catalogue_and_exports(world):
    c = Client()
    _, _, raw = c.get(world.urls["csdl"] + "xuat-du-lieu.csv")
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert len(rows) >= 300
    assert all(re.fullmatch(r"\d\.\d{6}", r["ma_thu_tuc"]) for r in rows)
    _, _, js = c.get(world.urls["csdl"] + "xuat-du-lieu.json")
    assert json.loads(js)["tong_so"] == len(rows)
    status, _, page = c.get(world.urls["csdl"] + "thu-tuc-hanh-chinh?tu-khoa=khai%20sinh&trang=1")
    assert status == 200 and "1.001193" in page
    status, _, detail = c.get(world.urls["csdl"] + "thu-tuc-hanh-chinh/1.001193")
    assert "Mã thủ tục" in detail and "Cách thức thực hiện" in detail and "Số quyết định" in detail


def _register_and_login(world, c: Client, base: str, email: str) -> None:
    status, _, body = c.post(base + "dang-ky", {"ho_ten": "Nguyễn Văn Kiểm", "email": email, "so_dien_thoai": "0912345678",
                                               "mat_khau": "MatKhau@123", "nhap_lai_mat_khau": "MatKhau@123"})
    assert "kiểm tra hộp thư" in body
    _, _, body = c.post(base + "dang-nhap", {"ten_dang_nhap": email, "mat_khau": "MatKhau@123"})
    assert "chưa được kích hoạt" in body
    with urllib.request.urlopen(world.urls["mail"] + "api/messages?to=" + email) as r:
        msgs = json.loads(r.read())
    assert msgs and msgs[-1]["links"]
    status, _, body = c.get(msgs[-1]["links"][0])
    assert "kích hoạt thành công" in body
    status, _, body = c.post(base + "dang-nhap", {"ten_dang_nhap": email, "mat_khau": "MatKhau@123", "next": "/"})
    assert "Đăng xuất" in body


def _submit(c: Client, url: str, **extra) -> tuple[str, str]:
    status, final, body = c.post(url, {"ho_ten": "Nguyễn Văn Kiểm", "so_cccd": "001099012345", "dia_chi": "Bắc Ninh",
                                       "noi_dung": "Đề nghị giải quyết", "cam_ket": "1", **extra},
                                 files={"tep_to_khai": ("to-khai.pdf", b"%PDF-1.4 demo")})
    m = re.search(r"Mã hồ sơ: <strong>([^<]+)</strong>", body)
    assert status == 200 and m, body[:500]
    return m.group(1), final


def test_level3_flow_vendor_a(world, key):
    svc = key["services"]["bac-ninh-001"]
    c = Client()
    status, _, page = c.get(svc["url"])
    assert "Nộp hồ sơ trực tuyến" in page
    base = world.urls["dvc:bac-ninh"]
    status, final, _ = c.get(svc["url"] + "/nop-ho-so")
    assert "/dang-nhap" in final
    _register_and_login(world, c, base, "kiemtra.l3@hopthu.demo")
    _, _, form = c.get(svc["url"] + "/nop-ho-so")
    assert 'type="file"' in form
    code, _ = _submit(c, svc["url"] + "/nop-ho-so")
    assert re.fullmatch(r"000\.\d\d\.\d\d\.H10-\d{6}-\d{4}", code)
    statuses = [re.search(r'class="trang-thai">([^<]+)<', c.get(base + "tra-cuu-ho-so?ma_ho_so=" + code)[2]).group(1) for _ in range(3)]
    assert statuses == ["Đã tiếp nhận", "Đang xử lý", "Đã có kết quả"]


def test_level4_payment_flow(world, key):
    svc = key["services"]["bac-ninh-003"]
    c = Client()
    _register_and_login(world, c, world.urls["dvc:bac-ninh"], "kiemtra.l4@hopthu.demo")
    _, _, form = c.get(svc["url"] + "/nop-ho-so")
    assert "Nhận kết quả trực tuyến" in form
    code, final = _submit(c, svc["url"] + "/nop-ho-so", hinh_thuc_nhan_ket_qua="truc-tuyen")
    _, _, receipt = c.get(final)
    assert "Thanh toán trực tuyến" in receipt
    status, pay_url, pay_page = c.get(final + "/thanh-toan")
    assert pay_url.startswith(world.urls["pay"]) and "Xác nhận thanh toán" in pay_page and "100.000 đồng" in pay_page
    pid = re.search(r'name="ma_giao_dich" value="([^"]+)"', pay_page).group(1)
    status, back, body = c.post(world.urls["pay"] + "thanh-toan", {"ma_giao_dich": pid, "ngan_hang": "vietcombank"})
    assert back.startswith(world.urls["dvc:bac-ninh"]) and "Đã thanh toán" in body
    for _ in range(3):
        c.get(world.urls["dvc:bac-ninh"] + "tra-cuu-ho-so?ma_ho_so=" + code)
    _, _, body = c.get(final)
    assert "Tải kết quả điện tử" in body


def test_flaky_then_working_and_reset(world, key):
    url = key["services"]["bac-ninh-008"]["url"]
    c = Client()
    c.get(world.urls["dvc:bac-ninh"] + "favicon.ico")  # extra browser requests do not count as visits
    assert c.get(url)[0] == 503
    assert c.get(url)[0] == 200
    with urllib.request.urlopen(urllib.request.Request(world.urls["index"] + "__world/reset", data=b"", method="POST")) as r:
        assert json.loads(r.read())["ok"]
    assert c.get(url)[0] == 503
    world.reset()
    assert world.state.messages() == []


def test_flaky_timeout(world, key):
    url = key["services"]["bac-ninh-009"]["url"]
    with pytest.raises((TimeoutError, socket.timeout, OSError)):
        urllib.request.urlopen(url, timeout=1.5).read()
    assert Client().get(url)[0] == 200


def test_dead_links(world, key):
    assert Client().get(key["services"]["bac-ninh-010"]["url"])[0] == 404
    u = urlparse(key["services"]["bo-tp-010"]["url"])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((u.hostname, u.port), timeout=2)


def test_level2_has_forms_no_submission(world, key):
    c = Client()
    _, _, page = c.get(key["services"]["bac-ninh-005"]["url"])
    assert "Nộp hồ sơ trực tiếp tại Bộ phận một cửa" in page and "Nộp hồ sơ trực tuyến</a>" not in page
    href = re.search(r'href="(/bieu-mau/[^"]+\.doc)"', page).group(1)
    status, _, doc = c.get(world.urls["dvc:bac-ninh"] + href.lstrip("/"))
    assert status == 200 and doc.startswith("{\\rtf1")


def test_nfd_site(world):
    _, _, js = Client().get(world.urls["dvc:bo-tp"] + "static/spa.js")
    nfd = unicodedata.normalize("NFD", "Tạo tài khoản")
    assert nfd in js and "Tạo tài khoản" not in js
    _, _, api = Client().get(world.urls["dvc:bo-tp"] + "api/thu-tuc")
    assert unicodedata.is_normalized("NFD", api) and not unicodedata.is_normalized("NFC", api)


def test_identity_check_rejects(world, key):
    c = Client()
    status, _, body = c.post(world.urls["dvc:bo-tp"] + "api/xac-thuc-cong-dan",
                             {"so_cccd": "001099012345", "ho_ten": "Nguyễn Văn Kiểm", "ngay_sinh": "1990-01-01"})
    assert status == 400 and unicodedata.normalize("NFC", json.loads(body)["loi"]).startswith("Thông tin công dân không khớp")


def test_portals_and_answer_key(world, key):
    c = Client()
    for agency_id, feats in key["portals"].items():
        base = feats["url"]
        assert (c.get(base + "en")[0] == 200) == feats["english"]
        assert (c.get(base + "sitemap.xml")[0] == 200) == feats["sitemap_xml"]
        assert ('name="DC.Title"' in c.get(base)[2]) == feats["dublin_core"]
        assert (c.get(base + "dich-vu-cong-truc-tuyen")[0] == 200) == feats["dvctt_section"]
        assert "Tin tức" in c.get(base + "tim-kiem?q=chuy%E1%BB%83n%20%C4%91%E1%BB%95i%20s%E1%BB%91")[2]
    assert len(key["services"]) >= 40
    modes = {v["mode"] for v in key["services"].values()}
    assert modes == {"direct", "by_report"}
    dead = [v for v in key["services"].values() if {"dead_404", "dead_refused"} & set(v["behaviours"])]
    assert dead and all((v["true_level"], v["mode"]) == (0, "direct") for v in dead)
    for name, url in key["hostile"].items():
        assert url.startswith(world.urls["dvc:bac-ninh"]), name


def test_write_config(world, tmp_path):
    out = world.write_config(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agencies"]
    ids, ports = set(), {urlparse(u).port for u in world.urls.values()} | {urlparse(world.dead_base).port}
    groups = set()
    for f in out.glob("*.yaml"):
        cfg = yaml.safe_load(f.read_text(encoding="utf-8"))
        groups.add(cfg["group"])
        assert f.stem == cfg["id"] and urlparse(cfg["portal"]).port in ports
        for s in cfg["services"]:
            assert s["id"] not in ids
            ids.add(s["id"])
            assert urlparse(s["url"]).port in ports and s["declared_level"] in (2, 3, 4)
            if "procedure_code" in s:
                assert isinstance(s["procedure_code"], str)
    assert len(ids) >= 40 and groups == {"bo", "tinh", "cqtcp"}


def test_shipped_config_matches_8700(world, tmp_path):
    from demoworld.config_writer import write_configs
    from demoworld.layout import urls_for
    urls, dead = urls_for(world.data, "127.0.0.1", 8700)
    out = write_configs(world.data, urls, dead, tmp_path)
    shipped = REPO / "config" / "agencies"
    generated = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.yaml")}
    assert generated == {p.name: p.read_text(encoding="utf-8") for p in shipped.glob("*.yaml") if p.name in generated}
    assert set(generated) <= {p.name for p in shipped.glob("*.yaml")}
