"""What the CLI's commands share: the page a name means, where an output goes, the common options.

Heavy modules are imported inside the functions, so that ``--help`` stays fast.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from .errors import ContentError
from .settings import PAPERS, SIZES, Settings

LOGGER = logging.getLogger("leaflets")
#: Exit status of a usage mistake (a bad flag, an unknown page, a bad config value).
USAGE = 2
#: Each output format and its file suffix.
SUFFIX = {"pdf": "pdf", "html": "html", "brf": "brf", "audio": "mp3"}
#: The flag that sets each setting, so that an error names it (not leaflets.toml).
FLAGS = {
    "base_url": "--base-url",
    "size": "--size",
    "paper": "--paper",
    "serve_host": "--host",
    "serve_port": "--port",
    "serve_token": "--token (or LEAFLETS_TOKEN)",
}


config_option = click.option(
    "--config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: ./leaflets.toml when it exists).",
)
size_option = click.option(
    "--size",
    type=click.Choice(SIZES),
    default=None,
    help="Type size: standard (14 pt), large (18 pt) or xl (24 pt).",
)
paper_option = click.option(
    "--paper", type=click.Choice(PAPERS), default=None, help="Paper size: a4, letter or a5 (default: a4)."
)
base_url_option = click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Site of the online version, for the QR code (this run only).",
)


def find_page(page: str, settings: Settings) -> Path:
    """PAGE is a path to a .md file, or a slug or title looked up in the content folder."""
    from .discover import has_page_suffix, page_files, page_slug
    from .files import read_page_bytes
    from .front_matter import split_front_matter
    from .reader import decode

    path = Path(page)
    if has_page_suffix(path) or path.exists():
        if not path.exists():
            raise ContentError(path, "no such file")
        return path
    root = Path(settings.content_dir)
    if not root.is_dir():
        raise click.UsageError(f"{page!r} is not a file, and there is no content folder {root}/")
    wanted = page.casefold()
    pages = page_files(root)
    # The slug the counter knows (baclofen-fr for fr/b/baclofen.md), then the file name, then a
    # title or alias; a name that fits several pages at one step picks none of them.
    slugs = {candidate: page_slug(candidate.relative_to(root).as_posix()) for candidate in pages}
    for name in (slugs.get, lambda candidate: candidate.stem):
        if found := _one(page, [c for c in pages if name(c).casefold() == wanted], slugs, root):
            return found
    names: dict[str, Path] = {slug: candidate for candidate, slug in slugs.items()}
    titled = []
    for candidate in (p for p in pages if p.suffix.lower() == ".md"):
        try:
            data = read_page_bytes(candidate, settings.max_bytes, root)
            text, _ = decode(data, str(candidate), settings.max_bytes)
            meta, _, _ = split_front_matter(text, str(candidate))
        except (ContentError, OSError):
            continue  # another page's problem is not this command's: it is looked past
        aliases = meta.get("aliases") or []
        for name in [meta.get("title", ""), *(aliases if isinstance(aliases, list) else [aliases])]:
            # Only strings: a hostile title may be a list nested thousands of levels deep.
            name = name.strip() if isinstance(name, str) else ""
            if name.casefold() == wanted:
                titled.append(candidate)
                break
            names.setdefault(name, candidate)
    if found := _one(page, titled, slugs, root):
        return found
    hint = did_you_mean(page, names)
    raise click.UsageError(f"no page named {page!r} in {root}/{hint} (give a slug, a title or a path)")


def _one(page: str, matches: list[Path], slugs: dict[Path, str], root: Path) -> Path | None:
    """The one page that ``page`` names, None for none; several are a usage error that lists them
    (``baclofen`` with only ``en/b/baclofen.md`` and ``fr/b/baclofen.md``)."""
    if len(matches) <= 1:
        return matches[0] if matches else None
    listed = ", ".join(f"{slugs[m]} ({m.relative_to(root).as_posix()})" for m in matches)
    raise click.UsageError(
        f"{page!r} names {len(matches)} pages in {root}/: {listed}; give one of their names"
    )


def read_found(page: str, path: Path, settings: Settings):
    """Read the page ``find_page`` found for PAGE: found by name, it must be a regular file
    inside the content folder; a path is read as given (still a bounded, regular-file read)."""
    from .discover import has_page_suffix
    from .reader import read_page

    inside = not (has_page_suffix(page) or Path(page).exists())
    return read_page(path, content_root=settings.content_dir, **settings.read_options, confine=inside)


def did_you_mean(name: str, candidates: dict[str, Path]) -> str:
    """ ", did you mean 'baclofen'?" for the closest names (the counter's own fuzzy search), one
    per page, or nothing."""
    from .library import nearest

    best: dict[Path, str] = {}
    for found in nearest(name, [c for c in candidates if c], limit=9):
        best.setdefault(candidates[found], found)
    close = list(best.values())[:3]
    if not close:
        return ""
    return ", did you mean " + " or ".join(repr(c) for c in close) + "?"


def output_format(output: str | None, fmt: str | None) -> str:
    """The format ``-o`` and ``--format`` ask for together: the extension of a file decides, and
    a ``--format`` that says otherwise is a usage error."""
    if output is None or output == "-" or _is_folder(output):
        return fmt or "pdf"
    suffix = Path(output).suffix.lower().lstrip(".")
    implied = {v: k for k, v in SUFFIX.items()}.get("html" if suffix == "htm" else suffix)
    if implied is None:
        if suffix and fmt is None:
            known = ", ".join(f".{s}" for s in SUFFIX.values())
            raise click.UsageError(
                f"-o {output}: cannot tell the format from .{suffix} ({known}, or --format)"
            )
        return fmt or "pdf"
    if fmt is not None and fmt != implied:
        raise click.UsageError(f"-o {output} is a .{suffix} file, but --format says {fmt}")
    return implied


def _is_folder(output: str) -> bool:
    return output.endswith(("/", "\\")) or Path(output).is_dir()


def output_path(output: str | None, fmt: str, slug: str) -> Path:
    name = f"{slug}.{SUFFIX[fmt]}"
    if output is None:
        return Path(name)
    return Path(output) / name if _is_folder(output) else Path(output)
