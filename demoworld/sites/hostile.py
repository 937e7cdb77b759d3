"""Hostile routes under /thu-nghiem/ (not declared services) for the bot's robustness tests."""
from __future__ import annotations

from flask import Flask, Response, redirect

from demoworld.context import Ctx

PATHS = {"redirect_loop": "thu-nghiem/vong-lap/a", "popups": "thu-nghiem/cua-so-bat-len",
         "download": "thu-nghiem/tai-tep", "huge": "thu-nghiem/trang-rat-lon", "never_loads": "thu-nghiem/khong-bao-gio-xong"}
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
