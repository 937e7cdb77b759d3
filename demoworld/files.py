"""Small generated files: form templates (.doc as RTF, .pdf) and e-results."""
from __future__ import annotations


def rtf_doc(title: str, lines: list[str]) -> bytes:
    """A tiny Word-readable document (RTF content, served as .doc like many real portals do)."""
    def enc(s: str) -> str:
        return "".join(c if ord(c) < 128 and c not in "\\{}" else f"\\u{ord(c) if ord(c) < 32768 else ord(c) - 65536}?"
                       for c in s)
    body = "\\par ".join(enc(x) for x in [title, ""] + lines)
    return ("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\\f0\\fs26 " + body + "}").encode("ascii")


def pdf(title: str, lines: list[str]) -> bytes:
    """A minimal valid one-page PDF (text transliterated to ASCII-safe bytes)."""
    import unicodedata

    def asc(s: str) -> str:
        s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
        s = "".join(c for c in s if ord(c) < 128)
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    text = "BT /F1 14 Tf 50 800 Td (" + asc(title) + ") Tj"
    for ln in lines:
        text += " 0 -20 Td (" + asc(ln) + ") Tj"
    text += " ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = "%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out.encode("latin-1")))
        out += f"{i} 0 obj\n{o}\nendobj\n"
    xref = len(out.encode("latin-1"))
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def form_file(name: str, service_name: str) -> tuple[bytes, str]:
    """Bytes and MIME type of a downloadable form template."""
    lines = ["Họ và tên: ....................", "Số định danh cá nhân: ....................",
             "Địa chỉ: ....................", "Nội dung đề nghị: ...................."]
    if name.endswith(".pdf"):
        return pdf("Hướng dẫn: " + service_name, lines), "application/pdf"
    return rtf_doc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM - TỜ KHAI " + service_name.upper(), lines), "application/msword"


def e_result(code: str, service_name: str, applicant: str) -> bytes:
    return pdf("KET QUA GIAI QUYET THU TUC HANH CHINH",
               [f"Ma ho so: {code}", f"Thu tuc: {service_name}", f"Nguoi nop: {applicant}",
                "Ban dien tu co gia tri phap ly (ky so)"])
