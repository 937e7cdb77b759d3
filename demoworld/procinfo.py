"""What every vendor shows about a procedure (TT 32/2017 Art.5 items) and its downloadable forms."""
from __future__ import annotations

from demoworld.model import Service, procedure_by_code
from demoworld.web import e, money


def form_files(svc: Service) -> list[tuple[str, str]]:
    """(file name, title) of the service's downloadable forms."""
    return [(f"to-khai-{svc.ref}.doc", "Tờ khai (mẫu đơn) " + svc.name),
            (f"huong-dan-{svc.ref}.pdf", "Hướng dẫn thực hiện thủ tục")]


def fee_text(svc: Service) -> str:
    return money(svc.fee) if svc.fee else "Không"


def ways_rows(svc: Service) -> list[tuple[str, str, str]]:
    """Rows of the "Cách thức thực hiện" table: (Hình thức nộp, Thời hạn, Mô tả)."""
    rows = [("Trực tiếp", "05 ngày làm việc", "Nộp hồ sơ trực tiếp tại Bộ phận một cửa")]
    if svc.online:
        rows.append(("Trực tuyến", "05 ngày làm việc", "Nộp hồ sơ trực tuyến trên Cổng dịch vụ công"))
    rows.append(("Dịch vụ bưu chính", "05 ngày làm việc", "Gửi hồ sơ qua dịch vụ bưu chính công ích"))
    return rows


def result_text(svc: Service) -> str:
    if svc.level >= 4 and svc.has("result_online"):
        return "Nhận kết quả trực tuyến (bản điện tử có giá trị pháp lý) hoặc tại Bộ phận một cửa"
    if svc.level >= 4 and svc.has("result_post"):
        return "Nhận kết quả qua dịch vụ bưu chính công ích hoặc tại Bộ phận một cửa"
    return "Nhận kết quả trực tiếp tại Bộ phận một cửa"


def payment_text(svc: Service) -> str:
    if svc.level >= 4 and svc.has("pay_online"):
        return "Thanh toán trực tuyến qua Nền tảng thanh toán (PayGov) hoặc nộp tại Bộ phận một cửa"
    return "Nộp phí, lệ phí trực tiếp tại Bộ phận một cửa"


def info_html(svc: Service, agency_name: str, forms_base: str) -> str:
    """The procedure information block (level 1) with form downloads (level 2)."""
    proc = procedure_by_code(svc.codes[0]) if svc.codes else None
    decision = proc.decision if proc else "Quyết định số 1234/QĐ-UBND"
    ways = "".join(f"<tr><td>{e(a)}</td><td>{e(b)}</td><td>{e(fee_text(svc))}</td><td>{e(c)}</td></tr>"
                   for a, b, c in ways_rows(svc))
    forms = "".join(f'<li><a href="{e(forms_base)}{e(fn)}" download>{e(title)}</a> ({e(fn.rsplit(".", 1)[1].upper())})</li>'
                    for fn, title in form_files(svc))
    codes = ", ".join(svc.codes) if svc.codes else "—"
    how = ("Nộp hồ sơ trực tiếp tại Bộ phận một cửa hoặc gửi qua dịch vụ bưu chính."
           if not svc.online else "Nộp hồ sơ trực tuyến, trực tiếp tại Bộ phận một cửa hoặc qua dịch vụ bưu chính.")
    return f"""<table class="thong-tin-thu-tuc">
<tr><th>Tên thủ tục</th><td>{e(svc.name)}</td></tr>
<tr><th>Mã thủ tục</th><td>{e(codes)}</td></tr>
<tr><th>Mức độ</th><td>Mức độ {svc.declared_level}</td></tr>
<tr><th>Lĩnh vực</th><td>{e(svc.field)}</td></tr>
<tr><th>Cơ quan thực hiện</th><td>{e(svc.unit or agency_name)}</td></tr>
<tr><th>Đối tượng thực hiện</th><td>Công dân Việt Nam, Tổ chức</td></tr>
</table>
<h3>Trình tự thực hiện</h3>
<ol><li>Chuẩn bị hồ sơ theo quy định.</li><li>{e(how)}</li><li>Cơ quan thực hiện tiếp nhận, thẩm định và giải quyết hồ sơ.</li><li>Trả kết quả: {e(result_text(svc))}.</li></ol>
<h3>Cách thức thực hiện</h3>
<table class="table-result-tthc"><tr><th>Hình thức nộp</th><th>Thời hạn giải quyết</th><th>Phí, lệ phí</th><th>Mô tả</th></tr>{ways}</table>
<h3>Thành phần, số lượng hồ sơ</h3>
<table><tr><th>Tên giấy tờ</th><th>Mẫu đơn, tờ khai</th><th>Số lượng</th></tr>
<tr><td>Tờ khai theo mẫu</td><td>Tờ khai</td><td>Bản chính: 1</td></tr>
<tr><td>Bản sao giấy tờ tùy thân (Căn cước công dân)</td><td></td><td>Bản sao: 1</td></tr></table>
<p><strong>Thời hạn giải quyết:</strong> 05 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.</p>
<p><strong>Phí, lệ phí:</strong> {e(fee_text(svc))}. {e(payment_text(svc))}.</p>
<p><strong>Kết quả thực hiện:</strong> {e(result_text(svc))}.</p>
<p><strong>Căn cứ pháp lý:</strong> {e(decision)} công bố thủ tục hành chính.</p>
<h3>Mẫu đơn, tờ khai</h3>
<ul class="mau-don">{forms}</ul>"""


def level2_notice() -> str:
    return ('<p class="huong-dan"><strong>Hình thức nộp hồ sơ:</strong> Tải mẫu đơn, tờ khai về máy, điền đầy đủ thông tin và '
            'nộp hồ sơ trực tiếp tại Bộ phận một cửa hoặc gửi qua đường bưu điện. Thủ tục này chưa hỗ trợ nộp hồ sơ trực tuyến.</p>')
