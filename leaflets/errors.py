"""One exception hierarchy for the whole pipeline; the CLI turns it into exit codes."""

from __future__ import annotations

from pathlib import Path


class LeafletError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1


class ContentError(LeafletError):
    """A page cannot be read or parsed. Names the file, and the line when known."""

    def __init__(self, path: str | Path | None, message: str, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<string>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"


class NotALeafletError(ContentError):
    """The page is readable but is not a leaflet (a refusal, a banned product)."""


class ConfigError(LeafletError):
    """leaflets.toml or a command-line option is wrong: a usage error."""

    exit_code = 2


class RenderError(LeafletError):
    """HTML or PDF rendering failed, or tried to reach something it must not. ``path`` names the
    page where one was being rendered; ``message`` is the reason alone (a build lists it under
    the page's name)."""

    def __init__(self, message: str, path: str | Path | None = None):
        self.message, self.path = message, str(path) if path is not None else None
        super().__init__(f"{self.path}: {message}" if self.path else message)


class DeadlineError(RenderError):
    """A stage ran past its time limit. Not a property of the page alone (the machine may be
    busy), so a build tries the page again next time instead of remembering the failure."""


class MissingFontError(RenderError):
    """No installed font covers a script the page uses; the message names the package."""

    exit_code = 2


class BuildError(LeafletError):
    """A bulk export finished with pages that failed or were refused."""


class OutputError(LeafletError, OSError):
    """An output cannot be written (a read-only folder, a full disk): an environment error, not
    the page's. Still an OSError, for callers that handle those."""

    exit_code = 2

    def __init__(self, target: str | Path, exc: OSError):
        super().__init__(exc.errno, exc.strerror or str(exc))
        self.target = str(target)

    def __str__(self) -> str:
        return f"{self.target}: cannot write: {self.strerror}"


class PortInUseError(LeafletError):
    """``serve``: the address and port are taken by another program."""

    exit_code = 3


class MissingSystemPackageError(LeafletError):
    """A system library or program the task needs is not installed: an environment error.

    The message names the package to install; it is never a traceback.
    """

    exit_code = 2

    def __init__(self, what: str, package: str):
        self.package = package
        super().__init__(f"{what} is not installed: install the system package {package}")


class PrescriptionError(LeafletError):
    """A prescription (a form, a JSON body or a --prescription file) is incomplete or wrong."""

    exit_code = 2
