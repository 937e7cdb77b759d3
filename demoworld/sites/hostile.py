"""Hostile routes under /thu-nghiem/ (not declared services) for the bot's robustness tests."""
from __future__ import annotations

from html import escape

from flask import Flask, Response, redirect, request

from demoworld.context import Ctx

PATHS = {"redirect_loop": "thu-nghiem/vong-lap/a", "popups": "thu-nghiem/cua-so-bat-len",
         "download": "thu-nghiem/tai-tep", "huge": "thu-nghiem/trang-rat-lon", "never_loads": "thu-nghiem/khong-bao-gio-xong",
         "file_frame": "thu-nghiem/khung-tep-noi-bo", "frozen": "thu-nghiem/trang-dong-bang",
         "frozen_on_click": "thu-nghiem/dong-bang-khi-bam"}
# Parameterised by the test (the address the page sends the bot to): not part of the hostile tour.
LINK_AWAY = "thu-nghiem/lien-ket-di"     # ?den=<url>[&cua-so=0][&anh=<url>]
REDIRECT_AWAY = "thu-nghiem/chuyen-huong"  # ?den=<url>: 302 to it
HUGE_BYTES = 6 * 1024 * 1024


def register(app: Flask, ctx: Ctx) -> None:
    @app.route("/thu-nghiem/vong-lap/a")
    def loop_a():
        return redirect("/thu-nghiem/vong-lap/b")

    @app.route("/thu-nghiem/vong-lap/b")
    def loop_b():
        return redirect("/thu-nghiem/vong-lap/a")

    @app.route("/thu-nghiem/cua-so-bat-len")
    def popups():
        return ("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Thông báo</title></head><body>"
                "<h1>Thông báo quan trọng</h1><script>alert('Hệ thống sẽ bảo trì lúc 22h00!');"
                "window.open('/thu-nghiem/cua-so-bat-len?con=1','_blank');confirm('Bạn có muốn tiếp tục?');</script></body></html>")

    @app.route("/thu-nghiem/tai-tep")
    def download():
        return Response(b"PK\x05\x06" + b"\x00" * 18, mimetype="application/zip",
                        headers={"Content-Disposition": 'attachment; filename="bao-cao-thong-ke.zip"'})

    @app.route("/thu-nghiem/trang-rat-lon")
    def huge():
        row = "<p>Danh sách hồ sơ đã giải quyết đúng hạn trong kỳ báo cáo, số liệu cập nhật tự động.</p>\n"

        def gen():
            yield "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Thống kê</title></head><body>"
            sent = 0
            chunk = row * 500
            while sent < HUGE_BYTES:
                yield chunk
                sent += len(chunk.encode("utf-8"))
            yield "</body></html>"
        return Response(gen(), mimetype="text/html")

    @app.route("/thu-nghiem/khong-bao-gio-xong")
    def never():
        def gen():
            yield "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Đang tải</title></head><body><p>Đang tải dữ liệu..."
            ctx.state.hold(600)  # held until the world stops or resets
            yield "</p></body></html>"
        return Response(gen(), mimetype="text/html")

    @app.route("/thu-nghiem/khung-tep-noi-bo")
    def file_frame():
        # Chromium never loads a file: frame in a web page, and a script waiting on it waits forever.
        return ("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Thủ tục thử nghiệm</title></head>"
                "<body><h1>Thủ tục thử nghiệm</h1><p>Hướng dẫn nộp hồ sơ:</p>"
                "<iframe src='file:///etc/passwd' width='600' height='200'></iframe>"
                "<iframe src='file:///etc/' width='600' height='200'></iframe></body></html>")

    @app.route("/thu-nghiem/lien-ket-di")
    def link_away():
        target = escape(request.args.get("den", ""), quote=True)
        window = "" if request.args.get("cua-so") == "0" else " target='_blank'"
        image = escape(request.args.get("anh", ""), quote=True)
        return ("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Thủ tục thử nghiệm</title></head>"
                "<body><h1>Thủ tục thử nghiệm</h1>"
                + (f"<img src='{image}' alt='Biểu tượng'>" if image else "")
                + f"<p><a href='{target}'{window}>Nộp hồ sơ trực tuyến</a></p></body></html>")

    @app.route("/thu-nghiem/chuyen-huong")
    def redirect_away():
        return redirect(request.args.get("den", "/"), code=302)

    @app.route("/thu-nghiem/dong-bang-khi-bam")
    def frozen_on_click():
        # Answers every read, then stops for good once the pointer reaches its link: the click itself times out.
        return ("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Thủ tục thử nghiệm</title></head>"
                "<body><h1>Thủ tục thử nghiệm</h1><p><a href='#' onpointerover='for (;;) {}'>Nộp hồ sơ trực tuyến</a>"
                "</p></body></html>")

    @app.route("/thu-nghiem/trang-dong-bang")
    def frozen():
        # Loads, then never lets a script run again: the bot can neither read nor act on it.
        return ("<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><title>Thủ tục thử nghiệm</title></head>"
                "<body><h1>Thủ tục thử nghiệm</h1><p><a href='#'>Nộp hồ sơ trực tuyến</a></p>"
                "<script>setTimeout(() => { for (;;) {} }, 300);</script></body></html>")
