"""The navigation policy as a pure function: schemes, resolved addresses, the allow-list, the DNS cache.

The resolver is injected, so a public-looking name that points at this machine or at a cloud's
metadata service is tested without touching any DNS.
"""

from __future__ import annotations

import asyncio

import pytest

from configuration.settings import Settings
from crawler.browser.policy import NavigationPolicy, address_refusal, address_space_overrides, allowed_entry
from kiemtra.errors import BlockedByPolicy, ConfigError

PUBLIC = "203.113.131.1"      # a public address (VNPT's range): what a real portal resolves to


def fake_resolver(table: dict[str, list[str]], asked: list[str] | None = None):
    async def resolve(host: str, port: int) -> list[str]:
        if asked is not None:
            asked.append(host)
        if host not in table:
            raise OSError("name not known")
        return table[host]
    return resolve


def refusal(url: str, table: dict[str, list[str]] | None = None, allowed: tuple[str, ...] = ()) -> str | None:
    policy = NavigationPolicy(allowed_private=allowed, resolver=fake_resolver(table or {}))
    return asyncio.run(policy.refusal(url))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "file:///etc/", "ftp://dichvucong.gov.vn/",
                                 "javascript:alert(1)", "data:text/html,<b>x</b>", "chrome://settings",
                                 "view-source:https://dichvucong.gov.vn/"])
def test_only_http_and_https(url):
    why = refusal(url, {"dichvucong.gov.vn": [PUBLIC]})
    assert why is not None and "http/https" in why


@pytest.mark.parametrize(("address", "words"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "nội bộ"), ("172.16.0.5", "nội bộ"), ("192.168.1.1", "nội bộ"), ("fd12:3456::1", "nội bộ"),
    ("169.254.10.10", "link-local"), ("fe80::1", "link-local"),
    ("169.254.169.254", "siêu dữ liệu"), ("fd00:ec2::254", "siêu dữ liệu"),
    ("0.0.0.0", "không chỉ tới"), ("::", "không chỉ tới"),
    ("::ffff:127.0.0.1", "loopback"), ("100.64.0.1", "nội bộ"),
])
def test_non_public_addresses_are_refused(address, words):
    why = address_refusal(address)
    assert why is not None and words in why


def test_public_addresses_pass():
    assert address_refusal(PUBLIC) is None
    assert address_refusal("2001:ee0:4001::1") is None
    assert refusal("https://dichvucong.gov.vn/p/home/dvc-trang-chu.html", {"dichvucong.gov.vn": [PUBLIC]}) is None


def test_a_public_name_pointing_at_this_machine_is_refused():
    why = refusal("http://dichvucong.example.vn/latest/meta-data/", {"dichvucong.example.vn": ["127.0.0.1"]})
    assert why is not None and "dichvucong.example.vn trỏ tới" in why and "loopback" in why


def test_every_address_of_a_name_must_pass():
    table = {"hai-dia-chi.example.vn": [PUBLIC, "169.254.169.254"]}
    why = refusal("https://hai-dia-chi.example.vn/", table)
    assert why is not None and "siêu dữ liệu" in why


def test_ip_literals_in_every_spelling_are_judged_by_their_address():
    # Chromium reads "2130706433", "0x7f.1" and "127.1" as 127.0.0.1: the system resolver does too.
    from crawler.browser.policy import system_resolver

    policy = NavigationPolicy(resolver=system_resolver)
    for url in ("http://2130706433/", "http://0x7f.1/", "http://127.1:8080/", "http://[::1]/", "http://localhost./",
                "http://[::ffff:7f00:1]/"):
        assert asyncio.run(policy.refusal(url)) is not None, url


def test_the_allow_list_is_by_host_and_port():
    table = {"127.0.0.1": ["127.0.0.1"], "localhost": ["127.0.0.1"]}
    allowed = ("127.0.0.1:8801",)
    assert refusal("http://127.0.0.1:8801/dich-vu", table, allowed) is None
    assert refusal("http://127.0.0.1:8802/latest/meta-data/", table, allowed) is not None
    assert refusal("http://localhost:8801/", table, allowed) is not None  # another spelling is another entry
    assert refusal("http://127.0.0.1/", table, allowed) is not None       # port 80 is not 8801
    assert refusal("https://127.0.0.1:8801/", table, allowed) is None
    assert allowed_entry(" LocalHost.:80 ") == "localhost:80" and allowed_entry("[::1]:8801") == "::1:8801"


def test_a_name_that_resolves_to_nothing_is_left_to_the_browser():
    # Nothing to connect to: Chromium reports its own "name not resolved", a connection failure.
    assert refusal("https://khong-ton-tai.example.vn/") is None


def test_answers_are_cached_per_check():
    asked: list[str] = []
    policy = NavigationPolicy(resolver=fake_resolver({"cong.example.vn": [PUBLIC]}, asked))

    async def many() -> None:
        for path in range(50):
            assert await policy.refusal(f"https://cong.example.vn/{path}.css") is None
    asyncio.run(many())
    assert asked == ["cong.example.vn"]
    assert policy.known_refused("file:///etc/passwd") and not policy.known_refused("https://cong.example.vn/")


def test_check_raises_a_visit_error_with_its_reason():
    policy = NavigationPolicy(resolver=fake_resolver({"127.0.0.1": ["127.0.0.1"]}))
    with pytest.raises(BlockedByPolicy) as raised:
        asyncio.run(policy.check("http://127.0.0.1:9/latest/meta-data/"))
    assert raised.value.kind == "blocked_by_policy" and "loopback" in raised.value.reason
    assert raised.value.url == "http://127.0.0.1:9/latest/meta-data/"


def test_blocked_requests_are_counted_and_the_first_few_kept():
    policy = NavigationPolicy()
    assert policy.take_blocked() == {}
    for i in range(8):
        policy.note_blocked(f"http://10.0.0.{i}/anh.png")
    taken = policy.take_blocked()
    assert taken["blocked_requests"] == 8 and len(taken["blocked_urls"]) == 5
    assert policy.take_blocked() == {}


def test_the_sync_answer_for_the_spiders_is_the_same():
    policy = NavigationPolicy()
    assert policy.refusal_sync("http://x.example.vn/", lambda host, port: ["10.0.0.1"]) is not None
    assert policy.refusal_sync("http://y.example.vn/", lambda host, port: [PUBLIC]) is None
    assert policy.refusal_sync("file:///etc/passwd") is not None


def test_chromium_is_told_only_the_allow_listed_ports_are_public():
    value = address_space_overrides(["127.0.0.1:8801", "localhost:8802", "[::1]:8803"],
                                    resolver=lambda host, port: {"127.0.0.1": ["127.0.0.1"], "localhost": ["127.0.0.1", "::1"],
                                                                 "::1": ["::1"]}[host])
    assert value.split(",") == ["127.0.0.1:8801=public", "127.0.0.1:8802=public", "[::1]:8802=public", "[::1]:8803=public"]
    assert address_space_overrides([]) == ""


def test_the_setting_reads_a_list_or_a_comma_separated_variable(monkeypatch):
    assert Settings().navigation.allowed_private == []
    monkeypatch.setenv("KIEMTRA_NAVIGATION_ALLOWED_PRIVATE", "127.0.0.1:8801, localhost:8802")
    assert Settings().navigation.allowed_private == ["127.0.0.1:8801", "localhost:8802"]


def test_a_bad_allow_list_entry_is_one_line_naming_the_variable(monkeypatch, tmp_path):
    from configuration.problems import Problems
    from configuration.settings import parse_settings

    monkeypatch.setenv("KIEMTRA_NAVIGATION_ALLOWED_PRIVATE", "127.0.0.1")
    problems = Problems()
    assert parse_settings(tmp_path, {}, problems) is None
    assert len(problems) == 1
    problem = list(problems)[0]
    assert isinstance(problem, ConfigError)
    assert "KIEMTRA_NAVIGATION_ALLOWED_PRIVATE" in str(problem) and "máy:cổng" in str(problem)


def test_the_portal_spider_drops_what_the_policy_refuses():
    import scrapy
    from scrapy.exceptions import IgnoreRequest

    from crawler.spiders.portal import PolicyMiddleware

    class Spider:
        errors: list[str] = []

    middleware, spider = PolicyMiddleware("127.0.0.1:8801"), Spider()
    assert middleware.process_request(scrapy.Request("http://127.0.0.1:8801/rss"), spider) is None
    for url in ("http://127.0.0.1:8802/latest/meta-data/", "http://169.254.169.254/latest/meta-data/",
                "http://localhost:8801/"):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(scrapy.Request(url), spider)
    assert len(spider.errors) == 3 and "siêu dữ liệu" in spider.errors[1]



def test_a_page_left_on_a_document_it_made_itself_is_not_blanked(tmp_path):
    # Real Chromium: a document the page made (data:, blob:) stays; a local file is blanked and refused.
    from crawler.browser.launch import chromium
    from crawler.browser.policy import leave_refused

    settings = Settings(data=tmp_path)

    async def run() -> list[tuple[str, str | None, str]]:
        out = []
        async with chromium(settings) as browser:
            page = await browser.new_page()
            policy = NavigationPolicy()
            for url in ("data:text/html,<p>Biên nhận</p>", "about:blank", "file:///etc/hostname"):
                await page.goto(url)
                if url.startswith("data:"):
                    await page.evaluate("() => { location.href = URL.createObjectURL("
                                        "new Blob(['<p>Kết quả</p>'], {type: 'text/html'})); }")
                    await page.wait_for_url(lambda url: url.startswith("blob:"))
                before = page.url
                refused = await leave_refused(page, policy)
                out.append((before, refused.reason if refused else None, page.url))
            assert policy.withhold_recording
        return out

    made, blank, local = asyncio.run(run())
    assert made[0].startswith("blob:") and made[1] is None and made[2] == made[0]
    assert blank[1] is None
    assert local[1] is not None and "http/https" in local[1] and local[2] == "about:blank"


def test_once_a_host_is_allowed_only_its_requests_skip_the_route():
    from crawler.browser.policy import unapproved

    policy = NavigationPolicy(allowed_private=("127.0.0.1:8700",),
                              resolver=fake_resolver({"dichvucong.gov.vn": [PUBLIC], "noibo.vn": ["10.0.0.5"],
                                                      "127.0.0.1": ["127.0.0.1"]}))
    assert unapproved(policy) == "**/*"   # nothing allowed yet: every request is asked about
    for url in ("https://dichvucong.gov.vn/a", "http://127.0.0.1:8700/", "http://noibo.vn/", "http://khongco.vn/"):
        asyncio.run(policy.refusal(url))
    pattern = unapproved(policy)
    skipped = ["https://dichvucong.gov.vn/", "https://dichvucong.gov.vn:443/x", "http://127.0.0.1:8700/y?z",
               "http://127.0.0.1:8700#top"]
    watched = ["http://dichvucong.gov.vn/",           # port 80 was never allowed
               "https://dichvucong.gov.vn.evil.com/",  # a name that only starts like an allowed one
               "https://dichvucong.gov.vn:8443/", "http://127.0.0.1:8701/", "http://127.0.0.1/",
               "http://noibo.vn/", "http://khongco.vn/",  # refused, and unresolvable (left to the browser)
               "https://user@dichvucong.gov.vn/", "file:///etc/passwd", "data:text/html,x"]
    assert [url for url in skipped if not pattern.search(url)] == skipped
    assert [url for url in watched if pattern.search(url)] == watched


def test_a_refused_request_after_the_allowed_ones_is_still_aborted():
    """In a real browser: the page's own host stops reaching this process once allowed, and a later request to an
    address the check may not reach is still aborted and counted."""
    from crawler.browser.launch import chromium, context_options
    from crawler.browser.policy import guard_context
    from tests.page_server import serve

    async def run(base: str, refused_port: int) -> tuple[NavigationPolicy, list[str], str]:
        settings = Settings(navigation={"allowed_private": [base.split("//")[1]]})
        policy = NavigationPolicy(allowed_private=tuple(settings.navigation.allowed_private))
        asked: list[str] = []
        own_route = policy.route

        async def counted(route):
            asked.append(route.request.url)
            await own_route(route)
        policy.route = counted  # type: ignore[method-assign]
        async with chromium(settings) as browser:
            context = await browser.new_context(**context_options(settings))
            await guard_context(context, policy)
            page = await context.new_page()
            await page.goto(base + "/")
            shown = await page.evaluate(f"""async () => {{
                for (let i = 0; i < 5; i++) await (await fetch("/api?" + i)).text();
                try {{ await fetch("http://127.0.0.1:{refused_port}/latest/meta-data/"); return "reached"; }}
                catch (e) {{ return "refused"; }} }}""")
            await context.close()
        return policy, asked, shown

    with serve({"/": "<p>Trang chủ</p>"}, {**{f"/api?{i}": "ok" for i in range(5)}}) as base:
        with serve({"/": "<p>Khác</p>"}) as other:
            policy, asked, shown = asyncio.run(run(base, int(other.rsplit(":", 1)[1])))
    assert shown == "refused" and policy.blocked_count == 1 and "latest/meta-data" in policy.blocked[0]
    assert len([url for url in asked if url.startswith(base)]) < 6   # the page and at most a fetch under way
