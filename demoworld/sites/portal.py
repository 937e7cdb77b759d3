"""An agency's web portal (Cổng thông tin điện tử): the ND 43 / TT 32 items, some missing per agency.

Vendor "P" agencies (services on the portal itself) also get /dich-vu-cong/thu-tuc/<ref> pages whose
online submission goes through the SSO site.
"""
from __future__ import annotations

from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

from flask import Flask, Response, redirect, request

from demoworld.context import Ctx
from demoworld.files import form_file, pdf
from demoworld.model import Agency
from demoworld.portal_content import SECTION_TITLES, articles, legal_docs, officials
from demoworld.procinfo import form_files, info_html, level2_notice
from demoworld.web import declared_gate, e, html_page, make_app, nav, not_found

OTHER_BODIES = [("https://chinhphu.vn", "Cổng TTĐT Chính phủ"), ("https://dichvucong.gov.vn", "Cổng Dịch vụ công quốc gia"),
                ("https://mic.gov.vn", "Bộ Thông tin và Truyền thông")]


def build(ctx: Ctx, agency: Agency, service_url) -> Flask:
    """`service_url(svc)` gives a service's declared URL (links of the DVCTT section)."""
    f = agency.features
    site = f"portal:{agency.id}"
    app = make_app(site, ctx.state, ctx.delay_ms)
    title = f"Cổng thông tin điện tử {agency.name}"
    arts = articles(agency, f["news_recent"])
    docs = legal_docs(agency)
    services = ctx.data.services_of(agency.id)

    menu_items = [("/", "Trang chủ"), ("/gioi-thieu", "Giới thiệu"), ("/tin-tuc", "Tin tức - Sự kiện"),
                  ("/chi-dao-dieu-hanh", "Chỉ đạo điều hành"), ("/van-ban", "Văn bản")]
    if f["dvctt_section"]:
        menu_items.append(("/dich-vu-cong-truc-tuyen", "Dịch vụ công trực tuyến"))
    if f["gazette"]:
        menu_items.append(("/cong-bao", "Công báo"))
    menu_items += [("/hoi-dap", "Hỏi đáp"), ("/lien-he", "Liên hệ"), ("/so-do-cong", "Sơ đồ cổng")]
    if f["english"]:
        menu_items.append(("/en", "English"))

    def dc_meta(t: str, desc: str, ident: str, date: str = "") -> str:
        if not f["dublin_core"]:
            return ""
        return "".join(f'<meta name="DC.{k}" content="{e(v)}">' for k, v in [
            ("Title", t), ("Creator", title), ("Date", date or "2024-01-01"), ("Description", desc),
            ("Publisher", agency.name), ("Identifier", request.host_url.rstrip("/") + ident), ("Language", "vi")])

    def frame(t: str, main: str, head: str = "", status: int = 200):
        header = (f'<header><img src="/quoc-huy.png" alt="Quốc huy nước Cộng hòa xã hội chủ nghĩa Việt Nam" width="60" height="60">'
                  f'<h1>{e(title.upper())}</h1><form action="/tim-kiem" method="get" role="search"><input name="q" aria-label="Tìm kiếm">'
                  '<button type="submit">Tìm kiếm</button></form></header>')
        links = " | ".join(f'<a href="{e(u)}">{e(n)}</a>' for u, n in OTHER_BODIES)
        footer = (f"<footer><p>Bản quyền thuộc {e(agency.name)}</p><p>Cơ quan chủ quản: {e(agency.name)}. "
                  f"Chịu trách nhiệm chính: {e(agency.responsible)}</p><p>Địa chỉ: {e(agency.address)} - Điện thoại: {e(agency.phone)} - "
                  f"Thư điện tử: {e(agency.email)}</p><p>Liên kết: {links}</p></footer>")
        return html_page(t, f"{header}<nav>{nav(menu_items)}</nav><main>{main}</main>{footer}", site_name=title,
                         head=head + '<link rel="alternate" type="application/rss+xml" href="/rss.xml" title="RSS">'), status

    @app.route("/quoc-huy.png")
    def emblem():
        from demoworld.web import FAVICON
        return Response(FAVICON, mimetype="image/png")

    @app.route("/")
    def home():
        news = "".join(f'<li><a href="/bai-viet/{a.slug}">{e(a.title)}</a> <span class="ngay">{a.date:%d/%m/%Y}</span></li>'
                       for a in arts if a.section == "tin-tuc")
        dvc = ('<section><h2>Dịch vụ công trực tuyến</h2><p><a href="/dich-vu-cong-truc-tuyen">Danh sách dịch vụ công trực tuyến</a></p></section>'
               if f["dvctt_section"] else "")
        return frame("Trang chủ", f"<section><h2>Tin tức - Sự kiện</h2><ul>{news}</ul></section>{dvc}",
                     dc_meta(title, "Trang chủ " + title, "/"))

    intro_pages = {
        "gioi-thieu": ("Giới thiệu", f"{agency.name} là cơ quan thực hiện chức năng quản lý nhà nước theo quy định của pháp luật. "
                                     "Lịch sử hình thành và phát triển; điều kiện tự nhiên, văn hóa, di tích, danh thắng."),
        "co-cau-to-chuc": ("Cơ cấu tổ chức", "Sơ đồ tổ chức: Lãnh đạo; Văn phòng; các vụ, cục, sở, ban, ngành và đơn vị trực thuộc."),
        "chuc-nang-nhiem-vu": ("Chức năng nhiệm vụ", "Chức năng, nhiệm vụ, quyền hạn của cơ quan và các đơn vị trực thuộc."),
    }

    @app.route("/<any('gioi-thieu', 'co-cau-to-chuc', 'chuc-nang-nhiem-vu'):page>")
    def intro(page: str):
        t, text = intro_pages[page]
        sub = nav([("/gioi-thieu", "Giới thiệu"), ("/co-cau-to-chuc", "Cơ cấu tổ chức"), ("/chuc-nang-nhiem-vu", "Chức năng nhiệm vụ"), ("/lanh-dao", "Lãnh đạo")])
        return frame(t, f"<h1>{e(t)}</h1><p>{sub}</p><p>{e(text)}</p>", dc_meta(t, text, "/" + page))

    @app.route("/lanh-dao")
    def leaders():
        rows = "".join(f"<li><strong>{e(n)}</strong> - {e(p)}: tiểu sử tóm tắt, nhiệm vụ được phân công.</li>" for n, p, _, _ in officials(agency))
        return frame("Lãnh đạo", f"<h1>Lãnh đạo</h1><ul>{rows}</ul>", dc_meta("Lãnh đạo", "Thông tin lãnh đạo", "/lanh-dao"))

    def listing(section: str, heading: str):
        items = "".join(f'<li><a href="/bai-viet/{a.slug}">{e(a.title)}</a> <span class="ngay">{a.date:%d/%m/%Y}</span></li>'
                        for a in arts if a.section == section)
        return frame(heading, f"<h1>{e(heading)}</h1><ul>{items}</ul>", dc_meta(heading, heading, "/" + section))

    @app.route("/tin-tuc")
    def news():
        return listing("tin-tuc", "Tin tức - Sự kiện")

    @app.route("/<any('chi-dao-dieu-hanh', 'pho-bien-phap-luat', 'chien-luoc-quy-hoach', 'du-an-dau-thau'):section>")
    def sections(section: str):
        return listing(section, SECTION_TITLES[section][0])

    @app.route("/bai-viet/<slug>")
    def article(slug: str):
        a = next((x for x in arts if x.slug == slug), None)
        if a is None:
            return not_found(title)
        tools = ('<p class="cong-cu"><a href="#" onclick="window.print();return false;">In bài viết</a> | '
                 f'<a href="/bai-viet/{a.slug}/luu" download>Lưu bài viết</a></p>')
        return frame(a.title, f'<article><h1>{e(a.title)}</h1><p class="ngay">Ngày đăng: {a.date:%d/%m/%Y}</p>'
                              f"<p>{e(a.summary)}</p>{tools}</article>", dc_meta(a.title, a.summary, "/bai-viet/" + slug, a.date.isoformat()))

    @app.route("/bai-viet/<slug>/luu")
    def save_article(slug: str):
        a = next((x for x in arts if x.slug == slug), None)
        if a is None:
            return not_found(title)
        return Response(f"<html><meta charset='utf-8'><h1>{e(a.title)}</h1><p>{e(a.summary)}</p></html>", mimetype="text/html",
                        headers={"Content-Disposition": f'attachment; filename="{slug}.html"'})

    @app.route("/lich-cong-tac")
    def schedule():
        return frame("Lịch công tác", "<h1>Lịch công tác</h1><table><tr><th>Thời gian</th><th>Nội dung</th><th>Chủ trì</th></tr>"
                                      "<tr><td>Thứ Hai, 08h00</td><td>Giao ban lãnh đạo</td><td>Lãnh đạo</td></tr></table>")

    @app.route("/van-ban")
    def documents():
        q = request.args.get("tu_khoa", "").strip().lower()
        hits = [d for d in docs if not q or q in d.summary.lower() or q in d.number.lower()]
        rows = "".join(f"<tr><td>{e(d.number)}</td><td>{e(d.kind)}</td><td>{d.issued:%d/%m/%Y}</td><td>{e(d.summary)}</td>"
                       f'<td><a href="/van-ban/tep/{d.file}">Tải về</a></td></tr>' for d in hits)
        return frame("Văn bản", f'<h1>Hệ thống văn bản</h1><form action="/van-ban"><label>Tìm văn bản <input name="tu_khoa" value="{e(q)}"></label>'
                                f'<button type="submit">Tìm kiếm</button></form><table><tr><th>Số ký hiệu</th><th>Loại văn bản</th><th>Ngày ban hành</th>'
                                f"<th>Trích yếu</th><th>Tệp đính kèm</th></tr>{rows}</table>", dc_meta("Văn bản", "Hệ thống văn bản", "/van-ban"))

    @app.route("/van-ban/tep/<name>")
    def document_file(name: str):
        d = next((x for x in docs if x.file == name), None)
        if d is None:
            return not_found(title)
        return Response(pdf(d.number, [d.summary]), mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})

    if f["gazette"]:
        @app.route("/cong-bao")
        def gazette():
            rows = "".join(f"<tr><td>Số {i + 1:02d}</td><td>{d.issued:%d/%m/%Y}</td><td>{e(d.number)}: {e(d.summary)}</td></tr>" for i, d in enumerate(docs))
            return frame("Công báo", f"<h1>Công báo điện tử</h1><table><tr><th>Số công báo</th><th>Ngày</th><th>Văn bản</th></tr>{rows}</table>")

    @app.route("/lay-y-kien-du-thao")
    def consultation():
        return frame("Lấy ý kiến dự thảo", "<h1>Lấy ý kiến dự thảo văn bản</h1><p>Dự thảo Quyết định ban hành quy chế phối hợp. Hạn góp ý: 30 ngày.</p>"
                                          f"<p>Gửi góp ý về: {e(agency.email)}</p><p><a href='/gop-y'>Gửi góp ý</a></p>")

    @app.route("/danh-ba")
    def directory():
        rows = "".join(f"<tr><td>{e(n)}</td><td>{e(p)}</td><td>{e(t)}</td><td>{e(m)}</td></tr>" for n, p, t, m in officials(agency))
        return frame("Danh bạ", f"<h1>Danh bạ điện thoại, thư điện tử</h1><table><tr><th>Họ và tên</th><th>Chức vụ</th><th>Điện thoại</th><th>Thư điện tử</th></tr>{rows}</table>")

    @app.route("/lien-he")
    def contact():
        return frame("Liên hệ", f"<h1>Liên hệ</h1><p>Địa chỉ: {e(agency.address)}</p><p>Điện thoại: {e(agency.phone)}</p>"
                                f"<p>Fax: {e(agency.phone)}</p><p>Thư điện tử: {e(agency.email)}</p>")

    @app.route("/hoi-dap", methods=["GET", "POST"])
    def qa():
        done = '<p class="ok">Câu hỏi của Ông/Bà đã được gửi. Mã câu hỏi: HD-0001. Theo dõi trạng thái tại trang này.</p>' if request.method == "POST" else ""
        return frame("Hỏi đáp", f"<h1>Hỏi đáp</h1>{done}<dl><dt>Làm thế nào để nộp hồ sơ trực tuyến?</dt><dd>Đăng ký tài khoản trên Cổng dịch vụ công.</dd></dl>"
                                '<form method="post" action="/hoi-dap"><label>Họ và tên <input name="ho_ten"></label><label>Thư điện tử <input name="email"></label>'
                                '<label>Câu hỏi <textarea name="cau_hoi"></textarea></label><button type="submit">Gửi câu hỏi</button></form>')

    @app.route("/gop-y", methods=["GET", "POST"])
    def feedback():
        done = '<p class="ok">Cảm ơn Ông/Bà đã góp ý.</p>' if request.method == "POST" else ""
        return frame("Góp ý", f'<h1>Góp ý</h1>{done}<form method="post" action="/gop-y"><label>Nội dung góp ý <textarea name="noi_dung"></textarea></label>'
                              '<button type="submit">Gửi góp ý</button></form>')

    def pages() -> list[tuple[str, str]]:
        p = list(menu_items) + [("/co-cau-to-chuc", "Cơ cấu tổ chức"), ("/chuc-nang-nhiem-vu", "Chức năng nhiệm vụ"), ("/lanh-dao", "Lãnh đạo"),
                                ("/lich-cong-tac", "Lịch công tác"), ("/pho-bien-phap-luat", "Phổ biến pháp luật"),
                                ("/chien-luoc-quy-hoach", "Chiến lược, quy hoạch, kế hoạch"), ("/du-an-dau-thau", "Dự án, đấu thầu"),
                                ("/lay-y-kien-du-thao", "Lấy ý kiến dự thảo"), ("/danh-ba", "Danh bạ"), ("/gop-y", "Góp ý")]
        return p

    @app.route("/tim-kiem")
    def search():
        q = request.args.get("q", "").strip()
        hits = [a for a in arts if q and q.lower() in (a.title + " " + a.summary).lower()]
        items = "".join(f'<li><a href="/bai-viet/{a.slug}">{e(a.title)}</a></li>' for a in hits)
        return frame("Tìm kiếm", f"<h1>Kết quả tìm kiếm: {e(q)}</h1><p>Tìm thấy {len(hits)} kết quả</p><ul>{items}</ul>")

    @app.route("/so-do-cong")
    def sitemap_text():
        items = "".join(f'<li><a href="{e(u)}">{e(n)}</a></li>' for u, n in pages())
        return frame("Sơ đồ cổng", f"<h1>Sơ đồ cổng thông tin</h1><ul class='so-do'>{items}</ul>")

    if f["sitemap_xml"]:
        @app.route("/sitemap.xml")
        def sitemap_xml():
            base = request.host_url.rstrip("/")
            urls = [u for u, _ in pages()] + [f"/bai-viet/{a.slug}" for a in arts]
            body = "".join(f"<url><loc>{xml_escape(base + u)}</loc></url>" for u in urls)
            return Response('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                            + body + "</urlset>", mimetype="application/xml")

    @app.route("/robots.txt")
    def robots():
        extra = f"Sitemap: {request.host_url}sitemap.xml\n" if f["sitemap_xml"] else ""
        return Response("User-agent: *\nAllow: /\n" + extra, mimetype="text/plain")

    @app.route("/rss.xml")
    def rss():
        items = "".join(f"<item><title>{xml_escape(a.title)}</title><link>{xml_escape(request.host_url + 'bai-viet/' + a.slug)}</link>"
                        f"<pubDate>{a.date:%a, %d %b %Y} 08:00:00 +0700</pubDate></item>" for a in arts if a.section == "tin-tuc")
        return Response(f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{xml_escape(title)}</title>'
                        f"<link>{xml_escape(request.host_url)}</link>{items}</channel></rss>", mimetype="application/rss+xml")

    if f["english"]:
        @app.route("/en")
        def english():
            rows = "".join(f"<li>{e(n)} - {e(p)} - {e(t)} - {e(m)}</li>" for n, p, t, m in officials(agency))
            body = (f"<header><h1>{e(agency.english_name)} - Web Portal</h1></header><nav><a href='/'>Tiếng Việt</a></nav><main>"
                    f"<h2>Introduction</h2><p>Functions, duties, powers and organisational structure of the {e(agency.english_name)}.</p>"
                    f"<h2>Contacts</h2><ul>{rows}</ul><p>Address: {e(agency.address)}; Tel: {e(agency.phone)}; Email: {e(agency.email)}</p></main>")
            return html_page("Home", body, site_name=agency.english_name, lang="en", head=dc_meta(agency.english_name, "English portal", "/en"))

    if f["dvctt_section"]:
        @app.route("/dich-vu-cong-truc-tuyen")
        def dvctt():
            rows = "".join(f'<tr><td>{i}</td><td><a href="{e(service_url(s))}">{e(s.name)}</a></td><td>{e(s.field)}</td>'
                           f"<td>{e(s.unit)}</td><td>Mức độ {s.declared_level}</td></tr>" for i, s in enumerate(services, 1))
            return frame("Dịch vụ công trực tuyến", "<h1>Dịch vụ công trực tuyến</h1><table><tr><th>STT</th><th>Tên dịch vụ</th><th>Lĩnh vực</th>"
                                                    f"<th>Cơ quan thực hiện</th><th>Mức độ</th></tr>{rows}</table>",
                         dc_meta("Dịch vụ công trực tuyến", "Danh sách dịch vụ công trực tuyến", "/dich-vu-cong-truc-tuyen"))

    if agency.vendor == "P":
        by_ref = {s.ref: s for s in services}

        @app.route("/dich-vu-cong/thu-tuc/<int:ref>")
        def p_service(ref: int):
            s = by_ref.get(ref)
            if s is None or s.dead:
                return not_found(title)
            gate = declared_gate(ctx.state, s)
            if gate is not None:
                return gate
            act = (f'<p><a href="/dich-vu-cong/thu-tuc/{ref}/nop-ho-so">Nộp hồ sơ trực tuyến</a></p>'
                   '<p>Đăng nhập bằng tài khoản định danh điện tử VNeID để thực hiện.</p>' if s.online else level2_notice())
            return frame(s.name, f"<h1>{e(s.name)}</h1>{info_html(s, agency.name, '/dich-vu-cong/bieu-mau/')}{act}")

        @app.route("/dich-vu-cong/thu-tuc/<int:ref>/nop-ho-so")
        def p_submit(ref: int):
            s = by_ref.get(ref)
            if s is None or not s.online:
                return not_found(title)
            back = request.host_url + f"dich-vu-cong/thu-tuc/{ref}/nop-ho-so"
            return redirect(ctx.url("sso", "dang-nhap") + "?" + urlencode({"client_id": "dichvucong-" + agency.id, "redirect_uri": back}))

        @app.route("/dich-vu-cong/bieu-mau/<name>")
        def p_form(name: str):
            s = next((x for x in services if name in (fn for fn, _ in form_files(x))), None)
            if s is None:
                return not_found(title)
            data, mime = form_file(name, s.name)
            return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return app
