"""kiemtra's exception tree, for everything the visiting side raises.

    KiemtraError                 base; `exit_code` is what the CLI returns
    ├── ConfigError              bad config or usage: file, field and fix in one line (exit 2)
    ├── SetupError               the machine lacks something (no browser, no ffmpeg) (exit 2)
    └── VisitError               a visit could not see the site; never a verdict against it (exit 1)
        ├── NavigationTimeout    the page did not answer within the time-out
        ├── ConnectionFailed     refused, reset, DNS, TLS: nothing came back
        ├── RedirectLoop         too many redirects
        ├── HostNotAllowed       the target left the hosts the check may visit
        ├── DownloadInstead      the address answered with a file to download, not a page
        └── BrowserCrashed       the page or the browser died under us

Playwright's and Scrapy's own errors are translated into these in `crawler/browser/navigate.py` and
nowhere else, so the rest of the code speaks one language about failures.
"""

from __future__ import annotations


class KiemtraError(Exception):
    exit_code = 1


class ConfigError(KiemtraError):
    """Bad config or usage. `str()` is one line naming file, field and fix."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None,
                 line: int | None = None, fix: str | None = None) -> None:
        self.message, self.file, self.field, self.line, self.fix = message, file, field, line, fix
        where = file or ""
        if where and line:
            where += f":{line}"
        parts = [p for p in (where, field) if p]
        text = ": ".join(parts + [message])
        if fix:
            text += f" — {fix}"
        super().__init__(text)

    def in_file(self, file: str) -> "ConfigError":
        """The same error, said of `file`."""
        return ConfigError(self.message, file=file, field=self.field, line=self.line, fix=self.fix)


class SetupError(KiemtraError):
    exit_code = 2


class VisitError(KiemtraError):
    """The bot could not see the site. `kind` is the stable class name stored with the run."""

    exit_code = 1
    kind = "visit_error"


class NavigationTimeout(VisitError):
    kind = "timeout"


class ConnectionFailed(VisitError):
    kind = "connection"


class RedirectLoop(VisitError):
    kind = "redirect_loop"


class HostNotAllowed(VisitError):
    kind = "host_not_allowed"


class DownloadInstead(VisitError):
    kind = "download"


class BrowserCrashed(VisitError):
    kind = "browser_crashed"
