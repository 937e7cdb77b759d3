"""Every Blueprint of the workspace, registered by `create_app` in this order (issue 18).

One import and one entry per part, so that parts written side by side merge as a union.
"""

from __future__ import annotations

from flask import Blueprint

from evidence.web import auth, confirmation, judging, rechecks, scoring
from evidence.web import views as views_part

BLUEPRINTS: list[Blueprint] = [
    auth.blueprint,
    judging.blueprint,
    views_part.bp,
    rechecks.blueprint,
    confirmation.blueprint,
    scoring.blueprint,
]

# Links of the header for signed-in people: (endpoint taking no arguments, Vietnamese words, roles or () for all).
NAV_LINKS: list[tuple[str, str, tuple[str, ...]]] = [
    ("judging.pending_all", "Chờ thẩm định", judging.JUDGES),
    ("judging.audit_all", "Nhật ký thao tác", ()),
    ("scoring.index", "Chấm điểm cổng", scoring.READERS),
    ("scoring.appraisal", "Thẩm định điểm", scoring.READERS),
    ("rechecks.list_page", "Yêu cầu kiểm tra lại", ()),
    ("views.rankings", "Xếp hạng", views_part.STAFF),
    ("views.reports", "Báo cáo", views_part.STAFF),
    ("confirmation.round_index", "Xác nhận kết quả", ()),
    ("confirmation.dispute_list", "Khiếu nại", ()),
]
