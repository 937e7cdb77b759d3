"""The navigation policy: which addresses a check may reach, asked before every load and every request.

A check may reach the declared service, the agency's portal and whatever public host the flow is
sent to from them (redirects, frames, links), over `http`/`https` only. Never a loopback, private
(RFC 1918, ULA), link-local, metadata or unspecified address, unless `navigation.allowed_private`
lists that `host:port` (the demo world and the tests list their own ports). Names are resolved
first (all addresses must pass), so a public name pointing at a private address is refused too;
the answers are cached for the check.

Used at the one navigation choke point (`navigate.goto`) and, through `guard_context`, by a route
on every browser context, so frames, pop-ups, subresources and redirects obey it too. A refused
load is `BlockedByPolicy` (a step outcome with its reason); a refused subresource is aborted and
counted (`blocked`), never an error. Once a host and port is allowed in a check (the answer is cached
for the check), the route stops asking this process about its requests (`unapproved`): the first
request to every other one still waits for the policy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Frame, Page, Route
from playwright.async_api import Error as PlaywrightError

from configuration.settings import Settings
from kiemtra.errors import BlockedByPolicy, PageStalled

SCHEMES = ("http", "https")
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
# Frames the bot may read besides http(s) ones: an empty or inline document holds nothing of ours.
# (A frame Chromium refused to load, e.g. a `file:` one, has the empty URL and never answers.)
INLINE_FRAMES = ("about:blank", "about:srcdoc")
# Documents a page makes itself (or Chromium's own error page): nothing fetched from an address.
PAGE_MADE = ("about", "blob", "data", "chrome-error")
FRAME_READ_S = 5.0      # a script read in a frame (links, fields, text) answers within this, or is given up
KEPT_URLS = 5           # refused subresources kept by URL in a step (the rest are only counted)

# host, port -> the addresses the name resolves to (an OSError when it resolves to nothing).
Resolver = Callable[[str, int], Awaitable[list[str]]]
SyncResolver = Callable[[str, int], list[str]]


def _addresses(infos: Iterable[tuple[Any, ...]]) -> list[str]:
    return sorted({str(info[4][0]).split("%")[0] for info in infos})


async def system_resolver(host: str, port: int) -> list[str]:
    """The system's answer (getaddrinfo, off the event loop)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return _addresses(infos)


def system_resolver_sync(host: str, port: int) -> list[str]:
    return _addresses(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))


def address_refusal(address: str) -> str | None:
    """Why a connection to `address` is refused, or None for a public address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"địa chỉ {address} không hợp lệ"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return f"địa chỉ {ip} là dịch vụ siêu dữ liệu của máy chủ đám mây"
    if ip.is_unspecified:
        return f"địa chỉ {ip} không chỉ tới máy nào"
    if ip.is_loopback:
        return f"địa chỉ {ip} là chính máy đang chạy bot (loopback)"
    if ip.is_link_local:
        return f"địa chỉ {ip} là địa chỉ nội bộ liên kết (link-local)"
    if ip.is_private or not ip.is_global:
        return f"địa chỉ {ip} là địa chỉ mạng nội bộ, công dân không truy cập được"
    return None


def host_port(url: str) -> tuple[str, int]:
    """The URL's host (lower case, no brackets, no trailing dot) and port (the scheme's default if none)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


def allowed_entry(entry: str) -> str:
    """`host:port` as the allow-list compares it (lower case, IPv6 without brackets)."""
    host, _, port = entry.strip().lower().rpartition(":")
    return f"{host.strip('[]').rstrip('.')}:{port}"


def usable_frames(page: Page, policy: NavigationPolicy | None = None) -> list[Frame]:
    """The page's frames the bot may read: http(s) ones the policy has not refused, and inline ones.

    A `file:` frame, or one Chromium refused to load (its URL is empty), is skipped: reading it
    waits forever.
    """
    out = []
    for frame in page.frames:
        url = frame.url
        if url in INLINE_FRAMES or (urlsplit(url).scheme.lower() in SCHEMES
                                    and (policy is None or not policy.known_refused(url))):
            out.append(frame)
    return out


async def read_frame(frame: Frame, script: str, arg: Any = None, *, timeout_s: float = FRAME_READ_S) -> Any:
    """`frame.evaluate` within `timeout_s`, from outside the page: a blocked frame cannot hold the bot.

    A subframe that does not answer fails like a detached one (PlaywrightError: callers skip it); a
    main frame that does not answer is PageStalled (the page never lets the bot act).
    """
    try:
        return await asyncio.wait_for(frame.evaluate(script, arg), timeout_s)
    except asyncio.TimeoutError:
        if frame.parent_frame is None:
            raise PageStalled(f"trang không cho phép thao tác (không trả lời trong {timeout_s:g} giây)") from None
        raise PlaywrightError(f"khung {shorten(frame.url)} không trả lời trong {timeout_s:g} giây") from None


async def leave_refused(page: Page, policy: NavigationPolicy, timeout_s: float = 5.0) -> BlockedByPolicy | None:
    """If the page ended on an address the policy refuses (a redirect took it there), blank it.

    Returns the refusal (for the step to record) or None when the page's address is allowed.
    """
    if page.is_closed():
        return None
    url = page.url
    scheme = urlsplit(url).scheme.lower()
    if url in INLINE_FRAMES or scheme in PAGE_MADE:
        return None
    why = await policy.refusal(url)
    if why is None:
        return None
    policy.note_blocked(url)
    policy.left.append(shorten(url))
    try:
        await asyncio.wait_for(page.goto("about:blank"), timeout_s)
    except (PlaywrightError, asyncio.TimeoutError):
        pass
    return BlockedByPolicy(f"không mở {shorten(url)}: {why}", url=url, reason=why)


@dataclass
class NavigationPolicy:
    """One check's policy: the allow-list of private `host:port`, a resolver, its cache, what it refused."""

    allowed_private: Iterable[str] = ()
    resolver: Resolver = system_resolver
    blocked: list[str] = field(default_factory=list)   # refused requests' URLs, first KEPT_URLS
    blocked_count: int = 0
    last_reason: str = ""                               # why the latest refusal was made
    # Pages a redirect took to a refused address (then blanked): the check's trace and video may show
    # them, so neither is kept (`withhold_recording`).
    left: list[str] = field(default_factory=list)
    _allowed: frozenset[str] = field(init=False, repr=False)
    _cache: dict[tuple[str, int], str | None] = field(init=False, repr=False, default_factory=dict)
    _resolved: set[tuple[str, int]] = field(init=False, repr=False, default_factory=set)   # with addresses

    def __post_init__(self) -> None:
        self._allowed = frozenset(allowed_entry(entry) for entry in self.allowed_private if entry.strip())

    def _static(self, url: str) -> tuple[str | None, str, int]:
        """The refusal decidable without resolving; else (None, host, port) to resolve."""
        scheme = urlsplit(url).scheme.lower()
        if scheme not in SCHEMES:
            return f"chỉ được mở trang http/https, không mở «{scheme or '?'}:»", "", 0
        host, port = host_port(url)
        if not host:
            return "đường dẫn không có tên máy chủ", "", 0
        return None, host, port

    def _judge(self, host: str, port: int, addresses: list[str] | None) -> str | None:
        if not addresses:
            return None  # nothing to connect to: the browser meets its own "name not resolved"
        if f"{host}:{port}" in self._allowed:
            return None
        for address in addresses:
            why = address_refusal(address)
            if why is not None:
                named = "" if host == address else f"{host} trỏ tới "
                return f"{named}{why}"
        return None

    def _known(self, url: str) -> tuple[bool, str | None, str, int]:
        """(answered, why, host, port): answered without resolving (scheme, literal address, cache), or not yet."""
        why, host, port = self._static(url)
        if why is not None or not host:
            return True, why, host, port
        if (host, port) in self._cache:
            return True, self._cache[(host, port)], host, port
        return False, None, host, port

    def _remember(self, host: str, port: int, addresses: list[str] | None) -> str | None:
        if addresses:
            self._resolved.add((host, port))
        self._cache[(host, port)] = self._judge(host, port, addresses)
        return self._cache[(host, port)]

    async def refusal(self, url: str) -> str | None:
        """Why `url` may not be reached in this check (Vietnamese), or None."""
        answered, why, host, port = self._known(url)
        if answered:
            return why
        try:
            addresses: list[str] | None = await self.resolver(host, port)
        except (OSError, UnicodeError):
            addresses = None
        return self._remember(host, port, addresses)

    def refusal_sync(self, url: str, resolver: SyncResolver = system_resolver_sync) -> str | None:
        """The same answer for code without an event loop (the scrapy spiders)."""
        answered, why, host, port = self._known(url)
        if answered:
            return why
        try:
            addresses: list[str] | None = resolver(host, port)
        except (OSError, UnicodeError):
            addresses = None
        return self._remember(host, port, addresses)

    def allowed_origins(self) -> list[tuple[str, int]]:
        """The (host, port) this check has resolved and allowed (an unresolvable name is not among them)."""
        return [key for key, why in self._cache.items() if why is None and key in self._resolved]

    def known_refused(self, url: str) -> bool:
        """Whether `url` was already refused (no resolving: for code that may not wait)."""
        why, host, port = self._static(url)
        return why is not None or self._cache.get((host, port)) is not None

    async def check(self, url: str) -> None:
        """Raise BlockedByPolicy when `url` may not be loaded."""
        why = await self.refusal(url)
        if why is not None:
            self.last_reason = why
            raise BlockedByPolicy(f"không mở {shorten(url)}: {why}", url=url, reason=why)

    def note_blocked(self, url: str) -> None:
        self.blocked_count += 1
        if len(self.blocked) < KEPT_URLS:
            self.blocked.append(shorten(url))

    @property
    def withhold_recording(self) -> bool:
        """Whether the trace and the video may hold what a refused address answered (not kept then)."""
        return bool(self.left)

    def take_blocked(self) -> dict[str, Any]:
        """What was refused since the last call, for a step's detail (empty when nothing was)."""
        if not self.blocked_count:
            return {}
        out = {"blocked_requests": self.blocked_count, "blocked_urls": list(self.blocked)}
        self.blocked, self.blocked_count = [], 0
        return out

    async def route(self, route: Route) -> None:
        """The context's route: a refused request (page, frame, pop-up, subresource) is aborted.

        Playwright routes no redirect hop: Chromium's own Local Network Access (the launch marks only
        the allow-listed ports public, `address_space_overrides`) refuses redirected frames and
        subresources, and `leave_refused` a page a redirect took to a refused address.
        """
        url = route.request.url
        try:
            why = await self.refusal(url)
            if why is None:
                await route.continue_()
                return
            self.last_reason = why
            self.note_blocked(url)
            await route.abort("blockedbyclient")
        except PlaywrightError:
            pass  # the page or context closed while the request waited


def shorten(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[:limit] + "…"


def address_space_overrides(allowed_private: Iterable[str], resolver: SyncResolver = system_resolver_sync) -> str:
    """Chromium's `--ip-address-space-overrides` value: each allow-listed host:port's addresses as public.

    Then Chromium's Local Network Access refuses what a page (and any redirect from it) asks of any
    other loopback or private address, as it does for a public site; "" when nothing is listed.
    """
    out: list[str] = []
    for entry in allowed_private:
        host, _, port = allowed_entry(entry).rpartition(":")
        try:
            addresses = resolver(host, int(port))
        except (OSError, UnicodeError, ValueError):
            continue
        for address in addresses:
            shown = f"[{address}]" if ":" in address else address
            if f"{shown}:{port}=public" not in out:
                out.append(f"{shown}:{port}=public")
    return ",".join(out)


def unapproved(policy: NavigationPolicy) -> str | re.Pattern[str]:
    """The requests a context's route must still see: all but those to a host and port `policy` has already
    allowed in this check (resolved to addresses it accepts). The answer is cached for the check, so asking
    again would only cost a round trip to this process for every subresource; the driver matches the pattern."""
    origins = []
    for host, port in sorted(policy.allowed_origins()):
        shown = re.escape(f"[{host}]" if ":" in host else host)
        origins.append(f"https?://{shown}:{port}")
        if port in (80, 443):   # Chromium writes a scheme's default port nowhere in the URL
            origins.append(f"{'http' if port == 80 else 'https'}://{shown}")
    return re.compile(f"^(?!(?:{'|'.join(origins)})[/?#])") if origins else "**/*"


async def guard_context(context: BrowserContext, policy: NavigationPolicy) -> None:
    """Make every request of `context` (every page, frame, pop-up, subresource) pass `policy`; once a host is
    allowed, its requests no longer wait for this process (`unapproved`)."""
    watched: list[str | re.Pattern[str]] = ["**/*"]
    narrowing = asyncio.Lock()

    async def route(request_route: Route) -> None:
        await policy.route(request_route)
        async with narrowing:
            pattern = unapproved(policy)
            if pattern == watched[0]:
                return
            try:
                await context.route(pattern, route)   # the new pattern first: no request goes unwatched meanwhile
                await context.unroute(watched[0], route)
                watched[0] = pattern
            except PlaywrightError:
                pass   # the context closed meanwhile

    await context.route(watched[0], route)


async def guard(context: BrowserContext, settings: Settings) -> NavigationPolicy:
    """A fresh policy for one check under `settings`, on `context` already: what a context's owner calls."""
    policy = for_settings(settings.navigation.allowed_private)
    await guard_context(context, policy)
    return policy


def for_settings(allowed_private: Iterable[str], resolver: Resolver | None = None) -> NavigationPolicy:
    """A fresh policy for one check (its own DNS cache and its own list of refusals)."""
    return NavigationPolicy(allowed_private=tuple(allowed_private), resolver=resolver or system_resolver)
