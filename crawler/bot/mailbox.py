"""Reading the confirmation mail a portal sends when an account is registered.

Two readers: `http` for a JSON inbox (the demo world's; any inbox exposing
`GET <url>/api/messages?to=ADDR` → [{subject, body, links}]) and `imap` for a real mailbox whose
password comes from KIEMTRA_IMAP_PASSWORD, never from config.
"""

from __future__ import annotations

import asyncio
import email
import imaplib
import json
import os
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

from configuration.settings import Mailbox

_LINK = re.compile(r"https?://[^\s\"'<>]+")


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str
    links: tuple[str, ...]


def _http_messages(base: str, address: str) -> list[Mail]:
    url = urllib.parse.urljoin(base, "api/messages") + "?" + urllib.parse.urlencode({"to": address})
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the configured inbox
        items = json.loads(response.read().decode("utf-8"))
    return [Mail(m.get("subject", ""), m.get("body", ""), tuple(m.get("links") or _LINK.findall(m.get("body", ""))))
            for m in items]


def _imap_messages(settings: Mailbox, address: str) -> list[Mail]:
    password = os.environ.get("KIEMTRA_IMAP_PASSWORD", "")
    with imaplib.IMAP4_SSL(settings.imap_host) as box:
        box.login(settings.imap_user, password)
        box.select("INBOX")
        _, data = box.search(None, "TO", f'"{address}"')
        out = []
        for number in data[0].split():
            _, parts = box.fetch(number, "(RFC822)")
            envelope = parts[0]   # (b"1 (RFC822 {n}", the message's bytes)
            if not isinstance(envelope, tuple):
                continue
            message = email.message_from_bytes(envelope[1])
            body = ""
            for part in message.walk():
                if part.get_content_type() not in ("text/plain", "text/html"):
                    continue
                payload = part.get_payload(decode=True)   # the bytes of a text part
                if isinstance(payload, bytes):
                    body += payload.decode(part.get_content_charset() or "utf-8", "replace")
            out.append(Mail(str(message.get("Subject", "")), body, tuple(_LINK.findall(body))))
        return out


def read_messages(settings: Mailbox, address: str) -> list[Mail]:
    if settings.kind == "http":
        return _http_messages(settings.url, address)
    if settings.kind == "imap":
        return _imap_messages(settings, address)
    return []


async def wait_for_link(settings: Mailbox, address: str) -> tuple[Mail, str] | None:
    """The newest mail to `address` with a link, waiting up to `wait_s` for it to arrive."""
    deadline = time.monotonic() + settings.wait_s
    pause = 0.1  # a mail sent by the click just before is usually there at once: look soon, then less often
    while True:
        try:
            messages = await asyncio.to_thread(read_messages, settings, address)
        except (OSError, ValueError, imaplib.IMAP4.error):
            messages = []
        for mail in reversed(messages):
            if mail.links:
                return mail, mail.links[0]
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(pause)
        pause = min(0.5, pause * 2)
