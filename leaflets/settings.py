"""Settings: one typed place for every default, read from leaflets.toml and overridden by flags."""

from __future__ import annotations

import dataclasses
import re
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .i18n import MESSAGES
from .paths import path_problem

CONFIG_NAME = "leaflets.toml"
PAPERS = ("a4", "letter")
SIZES = ("standard", "large")
#: What ``path_pattern`` may name (urls.page_url fills them in).
PATH_PLACEHOLDERS = ("slug", "letter", "path")

DEFAULT_DISCLAIMER = MESSAGES["default_disclaimer"]


@dataclass(frozen=True)
class Pharmacy:
    name: str = ""
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Settings:
    #: Site of the online version; no default site, so no QR code without one.
    base_url: str | None = None
    #: Path of a leaflet under base_url: {slug}, {letter} and {path} (relative, no suffix).
    path_pattern: str = "/composition/{letter}/{slug}.html"
    paper: str = "a4"
    size: str = "standard"
    default_disclaimer: str = DEFAULT_DISCLAIMER
    #: An image the config names explicitly; the only file outside the package we may read.
    logo: Path | None = None
    content_dir: Path = Path("content")
    #: Pages over this many bytes are refused before parsing.
    max_bytes: int = 1_000_000
    #: The same for official sources (FHIR ePI JSON, FDA SPL XML): real SPL files are large.
    max_bytes_xml: int = 20_000_000
    #: The language of a page (or ePI Composition) that does not say its own.
    lang: str = "en"
    #: Hosts of official online versions a QR code may link to besides base_url's
    #: (an ePI Composition's ``url``, a page's absolute permalink).
    official_hosts: tuple[str, ...] = ()
    #: Seconds one leaflet may take to lay out before it is stopped (a page built to be slow).
    render_timeout: float = 120.0
    pharmacy: Pharmacy = field(default_factory=Pharmacy)
    #: ``leaflets serve``: where to listen, and the access token required off loopback.
    serve_host: str = "127.0.0.1"
    serve_port: int = 8000
    serve_token: str | None = None
    #: Host names the counter answers to besides the address it is bound to (a LAN name).
    serve_allowed_hosts: tuple[str, ...] = ()
    #: ``[braille]``: grade 1 (uncontracted) or 2 (contracted); None is the language's usual grade.
    braille_grade: int | None = None
    #: Cells a line and lines a page: the common embosser default is 40 × 25.
    braille_cells: int = 40
    braille_lines: int = 25
    #: ``[audio]``: speaking rate in words a minute, and an espeak-ng voice (``en-gb``,
    #: ``en-us+f3``) used for pages in that voice's language; others get their language's voice.
    audio_rate: int = 165
    audio_voice: str | None = None
    #: Where the config came from, for messages.
    source: Path | None = None

    def replace(self, *, origins: dict[str, str] | None = None, **changes: Any) -> Settings:
        """A copy with the given fields changed; None values mean "not given" and are dropped.
        An invalid change is reported under its name in ``origins`` (a flag such as
        ``--base-url``), not under the config file that did not set it."""
        changes = {k: v for k, v in changes.items() if v is not None}
        new = dataclasses.replace(self, **changes)
        try:
            new.validate()
        except ConfigError:
            self.validate()  # the settings were wrong before these changes: that error stands
            for key, value in changes.items():
                try:
                    dataclasses.replace(self, source=None, **{key: value}).validate()
                except ConfigError as exc:
                    origin = (origins or {}).get(key)
                    raise ConfigError(f"{origin}: {exc}" if origin else str(exc)) from None
            raise
        return new

    @property
    def read_options(self) -> dict[str, Any]:
        """The reader's keyword arguments these settings give (size limits, default language)."""
        return {"max_bytes": self.max_bytes, "max_bytes_xml": self.max_bytes_xml, "default_lang": self.lang}

    def validate(self) -> None:
        where = f"{self.source}: " if self.source else ""
        if self.paper not in PAPERS:
            raise ConfigError(f"{where}paper must be one of {', '.join(PAPERS)}, not {self.paper!r}")
        if self.size not in SIZES:
            raise ConfigError(f"{where}size must be one of {', '.join(SIZES)}, not {self.size!r}")
        if self.base_url is not None and not self.base_url.startswith(("https://", "http://")):
            raise ConfigError(f"{where}base_url must start with https:// or http://")
        if "{slug}" not in self.path_pattern and "{path}" not in self.path_pattern:
            raise ConfigError(f"{where}path_pattern must contain {{slug}} or {{path}}")
        # An unknown placeholder fails here, once, not on every page at render time.
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(self.path_pattern) if f is not None]
        except ValueError as exc:
            raise ConfigError(f"{where}path_pattern {self.path_pattern!r} is invalid: {exc}") from None
        if bad := [f for f in fields if f not in PATH_PLACEHOLDERS]:
            known = ", ".join(f"{{{p}}}" for p in PATH_PLACEHOLDERS)
            raise ConfigError(f"{where}path_pattern has an unknown placeholder {{{bad[0]}}} (known: {known})")
        sample = "/" + self.path_pattern.lstrip("/").replace("{slug}", "x").replace("{letter}", "x")
        if (problem := path_problem(sample.replace("{path}", "x/x"))) is not None:
            raise ConfigError(
                f"{where}path_pattern {self.path_pattern!r} is not a canonical site path: it {problem}"
            )
        if self.max_bytes <= 0 or self.max_bytes_xml <= 0:
            raise ConfigError(f"{where}max_bytes and max_bytes_xml must be positive")
        for host in self.official_hosts:
            # Labels of letters, digits and hyphens: no scheme, port, path, user or wildcard.
            if (
                not isinstance(host, str)
                or not host
                or not all(part and part.replace("-", "").isalnum() for part in host.split("."))
            ):
                raise ConfigError(f"{where}[site] official_hosts must list host names, not {host!r}")
        if self.render_timeout <= 0:
            raise ConfigError(f"{where}[print] timeout must be positive")
        if not 0 < self.serve_port < 65536:
            raise ConfigError(f"{where}[serve] port must be between 1 and 65535")
        if self.serve_token is not None and len(self.serve_token) < 16:
            raise ConfigError(f"{where}[serve] token must be at least 16 characters")
        if self.braille_grade not in (None, 1, 2):
            raise ConfigError(f"{where}[braille] grade must be 1 or 2")
        if not 20 <= self.braille_cells <= 100 or not 10 <= self.braille_lines <= 100:
            raise ConfigError(f"{where}[braille] cells must be 20-100 and lines 10-100")
        if not 80 <= self.audio_rate <= 450:
            raise ConfigError(f"{where}[audio] rate must be 80-450 words a minute (espeak-ng's range)")
        if self.audio_voice is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]+(\+[A-Za-z0-9_-]+)?", self.audio_voice
        ):
            raise ConfigError(f"{where}[audio] voice {self.audio_voice!r} is not an espeak-ng voice name")


# [table] -> {key: (field name, type)}; anything else in the file is an error.
_SCHEMA: dict[str, dict[str, tuple[str, type | tuple[type, ...]]]] = {
    "site": {
        "base_url": ("base_url", str),
        "path_pattern": ("path_pattern", str),
        "official_hosts": ("official_hosts", list),
    },
    "print": {
        "paper": ("paper", str),
        "size": ("size", str),
        "default_disclaimer": ("default_disclaimer", str),
        "logo": ("logo", str),
        "timeout": ("render_timeout", (int, float)),
    },
    "content": {
        "dir": ("content_dir", str),
        "max_bytes": ("max_bytes", int),
        "max_bytes_xml": ("max_bytes_xml", int),
        "lang": ("lang", str),
    },
    "pharmacy": {"name": ("name", str), "address": ("address", str), "phone": ("phone", str)},
    "braille": {
        "grade": ("braille_grade", int),
        "cells": ("braille_cells", int),
        "lines": ("braille_lines", int),
    },
    "audio": {"rate": ("audio_rate", int), "voice": ("audio_voice", str)},
    "serve": {
        "host": ("serve_host", str),
        "port": ("serve_port", int),
        "token": ("serve_token", str),
        "allowed_hosts": ("serve_allowed_hosts", list),
    },
}


def load_settings(
    path: str | Path | None = None, *, origins: dict[str, str] | None = None, **overrides: Any
) -> Settings:
    """Read ``path`` (or ./leaflets.toml when it exists), then apply non-None overrides (named
    in errors by ``origins``, see ``Settings.replace``)."""
    if path is None:
        candidate = Path(CONFIG_NAME)
        path = candidate if candidate.is_file() else None
    values: dict[str, Any] = {}
    pharmacy: dict[str, str] = {}
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config: {exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        for table, body in data.items():
            if table not in _SCHEMA or not isinstance(body, dict):
                known = ", ".join(f"[{t}]" for t in _SCHEMA)
                raise ConfigError(f"{path}: unknown key {table!r} (known tables: {known})")
            for key, value in body.items():
                if key not in _SCHEMA[table]:
                    known = ", ".join(_SCHEMA[table])
                    raise ConfigError(f"{path}: unknown key [{table}] {key!r} (known: {known})")
                name, typ = _SCHEMA[table][key]
                if not isinstance(value, typ) or isinstance(value, bool):
                    kind = "number" if isinstance(typ, tuple) else typ.__name__
                    raise ConfigError(f"{path}: [{table}] {key} must be a {kind}")
                if typ is list:
                    if not all(isinstance(v, str) and v.strip() for v in value):
                        raise ConfigError(f"{path}: [{table}] {key} must be a list of host names")
                    value = tuple(v.strip() for v in value)
                if table == "pharmacy":
                    pharmacy[name] = value
                else:
                    values[name] = value
        base = path.parent
        if "logo" in values:
            values["logo"] = (base / values["logo"]).resolve()
        if "official_hosts" in values:
            values["official_hosts"] = tuple(
                str(h).lower() if isinstance(h, str) else h for h in values["official_hosts"]
            )
        if "content_dir" in values:
            values["content_dir"] = base / values["content_dir"]
        values["source"] = path
    if pharmacy:
        values["pharmacy"] = Pharmacy(**pharmacy)
    settings = Settings(**values)
    settings.validate()
    return settings.replace(origins=origins, **overrides)
