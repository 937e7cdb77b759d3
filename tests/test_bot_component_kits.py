"""Controls drawn by the component kits real portals are built from (issue 14), filled as a person fills them.

Each page copies one kit's habit, not the demo world's markup: a Select2 list over its hidden `<select>`, a list
whose options carry only a kit's class (ng-select) and keep the value in a hidden field, a Choices.js list whose
real `<select>` is hidden, an Element UI list with no role at all, an autocomplete typed into, an iCheck box under
the kit's own overlay, a Bootstrap 4 tick whose real box sits invisible under its label (also below the fold), a
box taking no room at all reached by its label, a read-only date field its calendar writes (and one the portal
wrote itself, kept), a flatpickr date shown in a read-only copy, address lists whose options arrive once the list
above is chosen, and an account menu that opens on a click of its toggle. Real Chromium against a small page
server on 127.0.0.1; vendor G of the demo world walks the same habits end to end (tests/test_bot_patterns.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from configuration.settings import Settings
from crawler.bot import finder
from crawler.bot.forms import fill_form
from crawler.bot.identity import make_citizen
from crawler.browser.launch import chromium, context_options
from tests.page_server import serve

pytestmark = pytest.mark.e2e

OUT = '<p id="out"></p><script>function say(t) { document.getElementById("out").textContent += t + ";"; }</script>'

SELECT2 = OUT + """<label for="kq">Hình thức nhận kết quả</label>
<select id="kq" name="kq" class="select2-hidden-accessible" aria-hidden="true" tabindex="-1"
 style="position:absolute;width:1px;height:1px;clip:rect(0 0 0 0);overflow:hidden;border:0">
<option value="">-- Chọn --</option><option value="tt">Nhận trực tiếp</option><option value="bc">Qua dịch vụ bưu chính công ích</option>
</select><span class="select2 select2-container"><span class="select2-selection" role="combobox" aria-haspopup="true"
 aria-expanded="false" tabindex="0"><span id="select2-kq-container" class="select2-selection__rendered">-- Chọn --</span></span></span>
<script>
const sel = document.getElementById('kq'), shown = document.getElementById('select2-kq-container');
sel.addEventListener('change', () => { shown.textContent = sel.options[sel.selectedIndex].text; say('change:' + sel.value); });
document.querySelector('.select2-selection').addEventListener('click', () => {
  if (document.querySelector('.select2-results')) return;
  const list = document.createElement('ul'); list.className = 'select2-results';
  Array.from(sel.options).slice(1).forEach(o => { const li = document.createElement('li'); li.className = 'select2-results__option';
    li.setAttribute('role', 'option'); li.textContent = o.text;
    li.onclick = () => { sel.value = o.value; sel.dispatchEvent(new Event('change')); list.remove(); }; list.appendChild(li); });
  document.body.appendChild(list);
});
</script>"""

NG_SELECT = OUT + """<div class="form-group"><label>Nơi nhận kết quả <span>*</span></label>
<ng-select class="ng-select"><div class="ng-select-container"><div class="ng-value-container">
<div class="ng-placeholder">Chọn nơi nhận</div><div class="ng-input"><input role="combobox" type="text" autocomplete="off"
 aria-expanded="false"></div></div></div></ng-select><input type="hidden" name="noi_nhan" id="noi-nhan"></div>
<script>
const input = document.querySelector('.ng-input input');
input.addEventListener('click', () => {
  if (document.querySelector('.ng-dropdown-panel')) return;
  const panel = document.createElement('div'); panel.className = 'ng-dropdown-panel';
  [['1', 'Trực tiếp tại Trung tâm Phục vụ hành chính công'], ['2', 'Nhận kết quả trực tuyến (bản điện tử)']].forEach(([v, t]) => {
    const o = document.createElement('div'); o.className = 'ng-option'; o.textContent = t;
    o.onclick = () => { document.getElementById('noi-nhan').value = v; document.querySelector('.ng-placeholder').textContent = t;
      panel.remove(); say('noi_nhan:' + v); };
    panel.appendChild(o); });
  document.querySelector('ng-select').appendChild(panel);
});
</script>"""

ICHECK = OUT + """<label><div class="icheckbox" style="position:relative;display:inline-block;width:18px;height:18px;border:1px solid #333">
<input type="checkbox" name="dong_y" id="dong-y" style="position:absolute;top:-20%;left:-20%;width:140%;height:140%;opacity:0;margin:0">
<ins class="iCheck-helper" style="position:absolute;top:-20%;left:-20%;width:140%;height:140%;margin:0;border:0;opacity:0;
 background:#fff"></ins></div> Tôi đồng ý với <a href="/khac" id="dieu-khoan">điều khoản</a></label>
<script>
document.querySelector('.iCheck-helper').addEventListener('click', (ev) => {
  ev.preventDefault(); const box = document.getElementById('dong-y'); box.checked = !box.checked; say('icheck:' + box.checked); });
</script>"""

BOOTSTRAP4 = OUT + """<style>.custom-control{position:relative;padding-left:1.5rem}.custom-control-input{position:absolute;left:0;z-index:-1;
width:1rem;height:1.25rem;opacity:0}.custom-control-label::before{content:"";position:absolute;left:0;top:.25rem;width:1rem;
height:1rem;border:1px solid #666;background:#fff}</style>
<div class="custom-control custom-checkbox"><input type="checkbox" class="custom-control-input" id="cam-doan" name="cam_doan">
<label class="custom-control-label" for="cam-doan">Tôi xin cam đoan lời khai trên là đúng sự thật</label></div>"""

HIDDEN_BOX = OUT + """<input type="checkbox" id="dk" name="dk" style="display:none">
<label for="dk" style="display:inline-block;padding-left:22px">Tôi đã đọc <a href="/khac">quy định</a></label>"""

READONLY_DATE = OUT + """<label for="ngay-cap">Ngày cấp</label><input id="ngay-cap" name="ngay_cap" readonly placeholder="dd/mm/yyyy">
<label for="co-quan">Cơ quan tiếp nhận</label><input id="co-quan" name="co_quan" readonly value="Sở Tư pháp">
<script>document.getElementById('ngay-cap').addEventListener('change', (ev) => say('ngay_cap:' + ev.target.value));</script>"""

CASCADE = OUT + """<label for="tinh">Tỉnh/Thành phố</label><select id="tinh" name="tinh"><option value="">-- Chọn --</option>
<option value="68">Tỉnh Lâm Đồng</option></select>
<label for="huyen">Quận/Huyện</label><select id="huyen" name="huyen"><option value="">-- Chọn --</option></select>
<label for="xa">Phường/Xã</label><select id="xa" name="xa"><option value="">-- Chọn --</option></select>
<script>
function later(upper, lower, names) {
  document.getElementById(upper).addEventListener('change', () => setTimeout(() => {
    names.forEach((n, k) => document.getElementById(lower).add(new Option(n, String(k + 1)))); say(lower); }, 300));
}
later('tinh', 'huyen', ['Thành phố Đà Lạt', 'Thành phố Bảo Lộc']); later('huyen', 'xa', ['Phường 1', 'Phường 2']);
</script>"""

CHOICES_JS = OUT + """<div class="form-group"><label for="kq2">Hình thức nhận kết quả</label>
<div class="choices" role="combobox" aria-haspopup="true" aria-expanded="false" tabindex="0"><div class="choices__inner">
<select id="kq2" name="kq2" class="choices__input" hidden tabindex="-1" data-choice="active"><option value="">Chọn</option></select>
<div class="choices__list choices__list--single"><div class="choices__item choices__placeholder">Chọn</div></div></div>
<div class="choices__list choices__list--dropdown" style="display:none"><div class="choices__list" role="listbox">
<div class="choices__item choices__item--choice" data-value="tt">Trực tiếp tại Bộ phận một cửa</div>
<div class="choices__item choices__item--choice" data-value="bc">Qua dịch vụ bưu chính công ích</div></div></div></div></div>
<script>
const box = document.querySelector('.choices'), drop = box.querySelector('.choices__list--dropdown'), real = document.getElementById('kq2');
box.addEventListener('click', () => { drop.style.display = 'block'; });
drop.querySelectorAll('.choices__item--choice').forEach(item => item.addEventListener('click', (ev) => {
  ev.stopPropagation(); real.innerHTML = '<option value="' + item.dataset.value + '" selected>' + item.textContent + '</option>';
  box.querySelector('.choices__list--single').textContent = item.textContent; drop.style.display = 'none'; say('kq2:' + real.value); }));
</script>"""

FLATPICKR_ALT = OUT + """<label>Ngày cấp</label><input type="hidden" id="that" name="ngay_cap" class="flatpickr-input">
<input class="form-control input" placeholder="Chọn ngày" readonly type="text">
<script>
// flatpickr's documented instance API on the field it was made on: setDate(date, triggerChange, format).
document.getElementById('that')._flatpickr = {setDate(value, change, format) {
  const [d, m, y] = value.split('/'); document.getElementById('that').value = y + '-' + m + '-' + d;
  document.querySelector('.form-control.input').value = d + ' tháng ' + m + ', ' + y; say('flatpickr:' + format); }};
</script>"""

ELEMENT_UI = OUT + """<div class="el-form-item"><label class="el-form-item__label">Quốc tịch</label><div class="el-form-item__content">
<div class="el-select"><div class="el-input"><input type="text" readonly placeholder="Chọn" class="el-input__inner"></div></div>
</div></div>
<script>
document.querySelector('.el-select').addEventListener('click', () => {
  if (document.querySelector('.el-select-dropdown')) return;
  const drop = document.createElement('div'); drop.className = 'el-select-dropdown';
  drop.innerHTML = '<ul><li class="el-select-dropdown__item">Việt Nam</li><li class="el-select-dropdown__item">Lào</li></ul>';
  drop.querySelectorAll('li').forEach(li => li.onclick = () => {
    document.querySelector('.el-input__inner').value = li.textContent; drop.remove(); say('quoc_tich:' + li.textContent); });
  document.body.appendChild(drop);
});
</script>"""

AUTOCOMPLETE = OUT + """<div class="form-group"><label for="noi-cap">Nơi cấp</label>
<input id="noi-cap" role="combobox" aria-autocomplete="list" aria-expanded="false" autocomplete="off"><ul id="goi-y"></ul></div>
<div class="form-group"><label for="tim">Tìm nhanh</label><input id="tim" role="combobox" aria-autocomplete="list"></div>
<script>
const places = ['Cục Cảnh sát quản lý hành chính về trật tự xã hội', 'Công an tỉnh Lâm Đồng'];
const box = document.getElementById('noi-cap'), list = document.getElementById('goi-y');
box.addEventListener('click', () => say('mở'));
box.addEventListener('input', () => {
  list.innerHTML = ''; if (box.value.length < 2) return;
  places.filter(p => p.toLowerCase().startsWith(box.value.toLowerCase().slice(0, 3))).forEach(p => {
    const li = document.createElement('li'); li.setAttribute('role', 'option'); li.textContent = p;
    li.onclick = () => { box.value = p; list.innerHTML = ''; say('chọn'); }; list.appendChild(li); });
});
document.getElementById('tim').addEventListener('click', () => say('tìm'));
</script>"""

CLICK_MENU = """<nav><div class="dropdown"><button type="button" class="dropdown-toggle" aria-expanded="false"
 onclick="const m = this.nextElementSibling; m.style.display = m.style.display === 'block' ? 'none' : 'block'">Tài khoản</button>
<ul class="dropdown-menu" style="display:none"><li><a href="/dang-ky">Đăng ký</a></li><li><a href="/dang-nhap">Đăng nhập</a></li></ul>
</div></nav><h1>Cổng dịch vụ công</h1>"""

PAGES = {"/select2": SELECT2, "/ng-select": NG_SELECT, "/icheck": ICHECK, "/bootstrap4": BOOTSTRAP4,
         "/hidden-box": HIDDEN_BOX, "/bootstrap4-below": '<div style="height:2400px">Điều khoản</div>' + BOOTSTRAP4, "/readonly-date": READONLY_DATE, "/click-menu": CLICK_MENU,
         "/cascade": CASCADE, "/choices-js": CHOICES_JS, "/flatpickr-alt": FLATPICKR_ALT, "/element-ui": ELEMENT_UI,
         "/autocomplete": AUTOCOMPLETE,
         "/dang-ky": "<h1>Đăng ký tài khoản</h1>", "/khac": "<h1>Trang khác</h1>"}


@pytest.fixture(scope="module")
def pages():
    with serve(PAGES) as base:
        yield base


def _on(url: str, act: Any) -> Any:
    async def run() -> Any:
        settings = Settings()
        async with chromium(settings) as browser:
            context = await browser.new_context(**context_options(settings))
            page = await context.new_page()
            await page.goto(url)
            try:
                return await act(page)
            finally:
                await context.close()

    return asyncio.run(run())


def _filled(url: str) -> tuple[dict[str, Any], str, str]:
    """(the fill's report, the page's #out, the page's address after it)."""
    async def act(page):
        report = await fill_form(page, make_citizen(Settings().identity, "kits"), timeout_ms=5000)
        return report.as_detail(), await page.inner_text("#out"), page.url

    return _on(url, act)


def test_a_select2_list_is_chosen_on_its_hidden_select_and_shows_the_choice(pages):
    report, out, _ = _filled(pages + "/select2")
    assert out == "change:bc;"                                 # the most online delivery, chosen once
    assert [f.get("chose") for f in report["fields"] if f.get("chose")] == ["Qua dịch vụ bưu chính công ích"]


def test_a_list_whose_options_carry_only_the_kits_class_keeps_its_value_in_a_hidden_field(pages):
    report, out, _ = _filled(pages + "/ng-select")
    assert out == "noi_nhan:2;"
    choice = next(f for f in report["fields"] if f["meaning"] == "choice")
    assert choice["filled"] and "Nơi nhận kết quả" in choice["label"] and "trực tuyến" in choice["chose"]


@pytest.mark.parametrize("path", ["/icheck", "/bootstrap4", "/hidden-box", "/bootstrap4-below"])
def test_a_styled_tick_is_ticked_where_it_is_drawn_without_following_the_link_in_its_words(pages, path):
    async def act(page):
        report = await fill_form(page, make_citizen(Settings().identity, "kits"), timeout_ms=5000)
        return report.as_detail(), await page.locator("input[type=checkbox]").is_checked(), page.url

    report, checked, url = _on(pages + path, act)
    assert checked and url.endswith(path)
    assert [f["filled"] for f in report["fields"]] == [True]


def test_a_read_only_date_is_written_as_its_calendar_would_and_the_portals_own_value_is_kept(pages):
    async def act(page):
        report = await fill_form(page, make_citizen(Settings().identity, "kits"), timeout_ms=5000)
        values = await page.evaluate("() => [document.getElementById('ngay-cap').value, document.getElementById('co-quan').value]")
        return report.as_detail(), await page.inner_text("#out"), values

    report, out, (date, office) = _on(pages + "/readonly-date", act)
    assert out == f"ngay_cap:{date};" and len(date) == 10 and date[2] == date[5] == "/"
    assert office == "Sở Tư pháp"
    assert [(f["name"], f.get("set_by_script")) for f in report["fields"]] == [("ngay_cap", True)]


@pytest.mark.parametrize("path, said", [("/choices-js", "kq2:bc;"), ("/element-ui", "quoc_tich:Việt Nam;")])
def test_a_list_whose_real_select_takes_no_room_or_that_has_no_role_is_chosen_where_it_is_drawn(pages, path, said):
    report, out, _ = _filled(pages + path)
    assert out == said
    assert [f["meaning"] for f in report["fields"] if f.get("chose")] == ["choice"]


def test_a_flatpickr_date_shown_in_a_read_only_copy_is_written_through_its_own_setter(pages):
    async def act(page):
        report = await fill_form(page, make_citizen(Settings().identity, "kits"), timeout_ms=5000)
        return report.as_detail(), await page.inner_text("#out"), await page.input_value("#that")

    report, out, kept = _on(pages + "/flatpickr-alt", act)
    assert out == "flatpickr:d/m/Y;" and len(kept) == 10 and kept[4] == kept[7] == "-"
    assert [f.get("set_by_script") for f in report["fields"]] == [True]


def test_a_list_that_searches_as_one_types_is_typed_into_and_one_that_never_opens_is_not_opened_again(pages):
    async def act(page):
        citizen = make_citizen(Settings().identity, "kits")
        first = await fill_form(page, citizen, timeout_ms=5000)
        second = await fill_form(page, citizen, timeout_ms=5000)   # a form filled again (after the page's error)
        return first.as_detail(), second.as_detail(), await page.inner_text("#out"), await page.input_value("#noi-cap")

    first, second, out, issued_by = _on(pages + "/autocomplete", act)
    assert issued_by == "Cục Cảnh sát quản lý hành chính về trật tự xã hội"
    assert [(f["name"], f["filled"]) for f in first["fields"]] == [("noi-cap", True), ("tim", False)]
    assert out.count("tìm") == 1 and [f["name"] for f in second["fields"]] == ["noi-cap"]


def test_cascading_lists_are_each_chosen_once_their_options_arrive(pages):
    async def act(page):
        report = await fill_form(page, make_citizen(Settings().identity, "kits"), timeout_ms=5000)
        values = await page.evaluate("() => ['tinh', 'huyen', 'xa'].map(id => document.getElementById(id).value)")
        return report.as_detail(), values

    report, values = _on(pages + "/cascade", act)
    assert values == ["68", "1", "1"]
    assert [f.get("chose") for f in report["fields"]] == ["Tỉnh Lâm Đồng", "Thành phố Đà Lạt", "Phường 1"]


def test_an_account_menu_that_opens_on_a_click_of_its_toggle(pages):
    async def act(page):
        candidate = await finder.find(page, "register")
        assert candidate is not None and candidate.hidden
        await candidate.reveal()
        await candidate.locator.click(timeout=3000)
        await page.wait_for_url("**/dang-ky")
        return page.url

    assert _on(pages + "/click-menu", act).endswith("/dang-ky")
