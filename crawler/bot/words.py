"""The words real Vietnamese portals use, folded (no diacritics, lower case): on what a step looks for
(intents) and in what a page says happened (signs).

Matching is on folded text, so NFC, NFD and text typed without diacritics meet. Longer, more
specific phrases come first: the first phrase found decides how good a candidate is.
"""

from __future__ import annotations

INTENTS: dict[str, tuple[str, ...]] = {
    "register": ("dang ky tai khoan", "tao tai khoan", "dang ky thanh vien", "dang ky nguoi dung", "dang ky ngay",
                 "dang ky"),
    "login": ("dang nhap", "dang nhap he thong", "sign in", "login"),
    "submit_start": ("nop ho so truc tuyen", "nop truc tuyen", "nop ho so", "thuc hien truc tuyen", "thuc hien",
                     "dang ky truc tuyen", "nop don"),
    "next": ("thuc hien buoc tiep theo", "buoc tiep theo", "tiep tuc", "tiep theo", "tiep"),
    "send": ("nop ho so", "gui ho so", "xac nhan va nop", "xac nhan va gui", "nop", "gui", "hoan thanh", "xac nhan nop",
             "dong y", "xac thuc", "xac nhan"),
    "form_submit": ("dang ky", "tao tai khoan", "dang nhap", "xac nhan", "gui", "hoan tat", "tiep tuc"),
    "track": ("tra cuu tinh trang ho so", "tra cuu ho so", "tra cuu ket qua", "quan ly ho so", "ho so cua toi",
              "theo doi ho so", "tra cuu"),
    "search": ("tra cuu", "tim kiem", "xem"),
    "pay": ("thanh toan truc tuyen", "thanh toan le phi", "thanh toan", "nop phi", "nop le phi"),
    "confirm_pay": ("xac nhan thanh toan", "thanh toan ngay", "dong y thanh toan", "thanh toan"),
    "download_form": ("tai mau", "tai ve", "mau don", "to khai", "tai xuong"),
}

# An announcement laid over the page (crawler/bot/notices.py): the controls that close it, and the ones that
# make it a question to the citizen instead (a confirmation, a login), which the bot leaves to the flow.
NOTICE_CLOSE: tuple[str, ...] = ("toi da hieu", "da hieu", "dong thong bao", "dong lai", "dong", "bo qua", "de sau",
                                 "tat thong bao", "khong hien thi lai", "close", "ok", "x", "\u00d7", "\u2715")
NOTICE_ASKS: tuple[str, ...] = ("dong y", "xac nhan", "chap nhan", "huy", "cancel", "nop", "gui", "tiep tuc",
                                "dang nhap", "dang ky", "thanh toan", "co", "khong")

# Page texts that say what happened.
SIGNS: dict[str, tuple[str, ...]] = {
    "registered": ("dang ky thanh cong", "dang ky tai khoan thanh cong", "tao tai khoan thanh cong", "tai khoan da duoc tao",
                   "kich hoat tai khoan",
                   "vui long kiem tra email", "kiem tra hop thu", "da gui thu kich hoat", "da gui email"),
    "needs_email": ("kiem tra email", "kiem tra hop thu", "thu kich hoat", "lien ket kich hoat", "xac nhan email",
                    "chua kich hoat"),
    "activated": ("kich hoat thanh cong", "da kich hoat", "xac nhan thanh cong", "tai khoan da duoc kich hoat"),
    "logged_in": ("dang xuat", "xin chao", "tai khoan cua toi", "thoat"),
    "login_failed": ("sai mat khau", "khong dung", "khong chinh xac", "chua kich hoat", "that bai"),
    "submitted": ("nop ho so thanh cong", "da nop", "da tiep nhan", "ma ho so", "so bien nhan", "ma bien nhan",
                  "giay tiep nhan", "thanh cong"),
    "paid": ("thanh toan thanh cong", "da thanh toan", "giao dich thanh cong"),
    "captcha": ("ma xac nhan", "ma bao ve", "captcha", "nhap ma hien thi", "ma kiem tra"),
    "identity": ("csdl quoc gia ve dan cu", "co so du lieu quoc gia ve dan cu", "khong khop", "xac thuc dinh danh",
                 "thong tin cong dan khong"),
    "sso": ("vneid", "dinh danh dien tu", "dang nhap mot lan", "cong dich vu cong quoc gia", "tai khoan dinh danh"),
    "otp": ("ma otp", "ma xac thuc da gui", "gui den so dien thoai", "nhap otp"),
    "error_page": ("khong tim thay trang", "loi he thong", "trang khong ton tai", "404 not found", "loi 404",
                   "service unavailable", "service temporarily unavailable", "internal server error", "bad gateway",
                   "gateway time out", "dang bao tri"),
    # A page that asks the citizen to log in before submitting, with or without a form on it.
    "login_prompt": ("can dang nhap", "vui long dang nhap", "dang nhap de nop", "dang nhap de thuc hien",
                     "yeu cau dang nhap", "phai dang nhap", "dang nhap truoc khi nop"),
    # A registration refused because the citizen ID (or the address) already has an account.
    "id_taken": ("da duoc dang ky", "da dang ky tai khoan", "da ton tai", "da duoc su dung", "da co tai khoan"),
    # A form sent back with a complaint about what was typed.
    "form_error": ("vui long nhap", "vui long chon", "vui long dinh kem", "vui long danh dau", "khong dung dinh dang",
                   "khong hop le", "bat buoc", "khong khop", "phai co dang", "chua dong y", "chua chon"),
    # The fee, where the page says there is none.
    "fee_free": ("phi le phi khong", "le phi khong", "khong thu phi", "khong thu le phi", "mien phi", "mien le phi",
                 "khong mat phi", "phi le phi khong co"),
    "counter_only": ("nop truc tiep", "tai bo phan mot cua", "nop ho so truc tiep", "qua duong buu dien"),
}
