"""kiemtra's exception tree: every error a user can cause or meet, and the exit code of each.

    KiemtraError                 base; `exit_code` is what the CLI returns; `str()` is one line (exit 1)
    ├── ConfigError              bad config or usage: file, field and fix in one line (exit 2)
    │   └── ConfigInvalid        several ConfigErrors at once (`problems`), printed one a line (exit 2)
    ├── SetupError               the machine lacks something (no browser, no ffmpeg, no key) (exit 2)
    ├── StoreError               the data folder cannot be opened or written (exit 2)
    │   ├── SchemaTooNew         the database was written by a newer kiemtra (exit 2)
    │   └── SigningError         a signing key that cannot be made or read (exit 2)
    ├── BundleError              nothing to export under that id, or a file that is not a bundle (exit 2)
    ├── CrawlLocked              another crawl holds this store: not an error of this run, try later (exit 3)
    ├── ClusterBusy              the cluster cannot take a re-run now: an open job, or no answer in time (exit 1)
    └── VisitError               a visit could not see the site; never a verdict against it (exit 1)
        ├── NavigationTimeout    the page did not answer within the time-out
        ├── ConnectionFailed     refused, reset, DNS, TLS: nothing came back
        ├── RedirectLoop         too many redirects
        ├── HostNotAllowed       the target left the hosts the check may visit
        ├── DownloadInstead      the address answered with a file to download, not a page
        ├── BrowserCrashed       the page or the browser died under us
        ├── BlockedByPolicy      the navigation policy refused the address (file:, loopback, private)
        └── PageStalled          the page never let the bot act within a step's or the check's deadline

Exit codes of the `kiemtra` command: 0 done, 1 some checks could not run, 2 bad usage, config or
set-up, 3 another crawl holds the store, 4 (`evidence verify-bundle` only) a bundle intact but not
authenticated (no trusted public key given), 130 interrupted. `kiemtra.cli.run_cli` prints any of these
as one Vietnamese line (a `ConfigInvalid` as one line per problem) and returns its `exit_code`; the
error is raised where the bad input is noticed, with a message naming the file, the field and the fix.
Anything else that escapes is a bug and keeps its traceback.

Every package may import this module (`checks/` excepted: it raises nothing of ours). Playwright's
and Scrapy's own errors are translated into `VisitError`s in `crawler/browser/navigate.py` and
nowhere else, so the rest of the code speaks one language about failures.
"""

from __future__ import annotations


class KiemtraError(Exception):
    """Base of every error kiemtra reports to its user."""

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

    def in_file(self, file: str) -> ConfigError:
        """The same error, said of `file`."""
        return ConfigError(self.message, file=file, field=self.field, line=self.line, fix=self.fix)


class ConfigInvalid(ConfigError):
    """Several config problems at once; `problems` holds each as a ConfigError."""

    def __init__(self, problems: list[ConfigError]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} lỗi cấu hình", fix="chạy `kiemtra config check` để xem từng lỗi")
        self.args = ("\n".join(str(p) for p in problems),)


class SetupError(KiemtraError):
    """The machine lacks something kiemtra needs; the message says how to install or make it."""

    exit_code = 2


class StoreError(KiemtraError):
    """The store cannot be opened or written (fix the data folder)."""

    exit_code = 2


class SchemaTooNew(StoreError):
    """The database was written by a newer kiemtra: update kiemtra, never downgrade the store."""


class SigningError(StoreError):
    """A key that cannot be made or read (fix the key file or the environment)."""


class BundleError(KiemtraError):
    """Nothing to export under that id, or a file that is not a bundle."""

    exit_code = 2


class CrawlLocked(KiemtraError):
    """Another crawl holds this store (not an error of this run, try later)."""

    exit_code = 3


class ClusterBusy(KiemtraError):
    """The cluster cannot take a re-run now: the service has an open job already, or no answer came in time."""


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


class BlockedByPolicy(VisitError):
    """The navigation policy refused an address (a local file, this machine, an internal network)."""

    kind = "blocked_by_policy"

    def __init__(self, message: str, *, url: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.url, self.reason = url, reason or message


class PageStalled(VisitError):
    """The page never let the bot act within the step's or the check's deadline."""

    kind = "stalled"
