"""Settings: one typed place for every default, read from leaflets.toml and overridden by flags."""

from __future__ import annotations

import dataclasses
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
    #: Hosts besides base_url's that an absolute permalink (and so a QR code) may point to.
    official_hosts: tuple[str, ...] = ()
    paper: str = "a4"
    size: str = "standard"
    default_disclaimer: str = DEFAULT_DISCLAIMER
    #: An image the config names explicitly; the only file outside the package we may read.
    logo: Path | None = None
    content_dir: Path = Path("content")
    #: Pages over this many bytes are refused before parsing.
    max_bytes: int = 1_000_000
    #: Seconds one leaflet may take to lay out before it is stopped (a page built to be slow).
    render_timeout: float = 120.0
    pharmacy: Pharmacy = field(default_factory=Pharmacy)
    #: ``leaflets serve``: where to listen, and the access token required off loopback.
    serve_host: str = "127.0.0.1"
    serve_port: int = 8000
    serve_token: str | None = None
    #: Where the config came from, for messages.
    source: Path | None = None

    def replace(self, **changes: Any) -> Settings:
        """A copy with the given fields changed; None values mean "not given" and are dropped."""
        changes = {k: v for k, v in changes.items() if v is not None}
        new = dataclasses.replace(self, **changes)
        new.validate()
        return new

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
        sample = "/" + self.path_pattern.lstrip("/").replace("{slug}", "x").replace("{letter}", "x")
        if (problem := path_problem(sample.replace("{path}", "x/x"))) is not None:
            raise ConfigError(
                f"{where}path_pattern {self.path_pattern!r} is not a canonical site path: it {problem}"
            )
        for host in self.official_hosts:
            if not host or not all(part and part.replace("-", "").isalnum() for part in host.split(".")):
                raise ConfigError(f"{where}[site] official_hosts: {host!r} is not a host name")
        if self.max_bytes <= 0:
            raise ConfigError(f"{where}max_bytes must be positive")
        if self.render_timeout <= 0:
            raise ConfigError(f"{where}[print] timeout must be positive")
        if not 0 < self.serve_port < 65536:
            raise ConfigError(f"{where}[serve] port must be between 1 and 65535")
        if self.serve_token is not None and len(self.serve_token) < 16:
            raise ConfigError(f"{where}[serve] token must be at least 16 characters")


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
    "content": {"dir": ("content_dir", str), "max_bytes": ("max_bytes", int)},
    "pharmacy": {"name": ("name", str), "address": ("address", str), "phone": ("phone", str)},
    "serve": {"host": ("serve_host", str), "port": ("serve_port", int), "token": ("serve_token", str)},
}


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read ``path`` (or ./leaflets.toml when it exists), then apply non-None overrides."""
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
                    if not all(isinstance(item, str) for item in value):
                        raise ConfigError(f"{path}: [{table}] {key} must be a list of strings")
                    value = tuple(value)
                if table == "pharmacy":
                    pharmacy[name] = value
                else:
                    values[name] = value
        base = path.parent
        if "logo" in values:
            values["logo"] = (base / values["logo"]).resolve()
        if "content_dir" in values:
            values["content_dir"] = base / values["content_dir"]
        values["source"] = path
    if pharmacy:
        values["pharmacy"] = Pharmacy(**pharmacy)
    settings = Settings(**values)
    return settings.replace(**overrides)
