"""Issue 13 §1 and §2: every stage is bounded, and no input gives a traceback.

Hostile pages are written here, in our own words, one class per test. Limits are counted on
the raw text: the tests make Markdown and YAML unusable (they raise if called) to prove a page
is refused before any parser runs, instead of timing anything.
"""

from __future__ import annotations

import asyncio
import json
import operator
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_URL, pdftotext
from starlette.testclient import TestClient

import leaflets.files
import leaflets.front_matter as front_matter
import leaflets.markdown_ext
import leaflets.pdf
import leaflets.reader as reader
from leaflets import Settings
from leaflets.build import build_library
from leaflets.check import check_pages
from leaflets.cli import cli
from leaflets.errors import ContentError, NotALeafletError, OutputError, RenderError
from leaflets.files import read_page_bytes
from leaflets.library import Library
from leaflets.pdf import html_to_pdf
from leaflets.reader import parse_page
from leaflets.web import create_app
from leaflets.web_pool import Renderer

HEAD = "---\ntitle: Zomirex\n---\n\n# Zomirex\n\n"
BODY = (
    "**Usage:** Zomirex eases a stiff back.\n\n**Side Effects:** Common side effects include:\n\n* Yawning\n"
)
GOOD = HEAD + BODY


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_line_error(result, where: str, words: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    lines = [ln for ln in result.output.strip().splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {where}"), lines[0]
    assert words in lines[0], lines[0]


@pytest.fixture
def no_parsers(monkeypatch):
    """Markdown and the HTML layout may not run: a refusal must come before them."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a parser ran before the page was refused")

    monkeypatch.setattr(leaflets.markdown_ext.SectionConverter, "convert", forbidden)


# -- §1 limits on the raw text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("**Usage:** " + "<span>" * 150_000 + "Zomirex\n", "nested too deeply"),
        ("**Usage:** " + "<span>z</span>" * 200 + "<i>z</i>" * 120 + "\n", "pieces of inline markup"),
        ("**Usage:**\n\n" + "<ul\n><li\n>" * 101 + "z\n", "nested too deeply"),
        ("**Usage:**\n\n" + "<div\n  class=x\n>\n" * 120 + "z\n", "nested too deeply"),
        ("**Usage:** " + "[" * 5000 + "z\n", "pieces of inline markup"),
        ("**Usage:** " + "[z](" * 400 + "\n", "pieces of inline markup"),
        ("**Usage:** " + "<http://z" * 400 + "\n", "pieces of inline markup"),
        ("**Usage:** " + "**z** " * 400 + "\n", "pieces of inline markup"),
        ("".join(f"**Usage:** {'[z](' * 250}\n\n" for _ in range(45)), "more than 10,000 pieces"),
    ],
    ids=[
        "150k-spans",
        "spans-and-italics",
        "split-ul",
        "split-div",
        "5000-brackets",
        "links",
        "autolinks",
        "bold",
        "page-budget",
    ],
)
def test_limits_are_counted_on_the_raw_text_before_any_parse(body, words, no_parsers):
    with pytest.raises(ContentError, match=words) as info:
        parse_page((HEAD + body).encode(), "hostile.md")
    assert info.value.line is not None and info.value.line >= 7


def test_real_markup_in_volume_is_not_refused():
    """Below every limit: 2,000 FAQ items, 100 levels of lists, 300 italics in a paragraph."""
    faqs = "\n".join(f"* **Question {n}?** Answer {n}." for n in range(2000))
    nested = "".join("    " * d + "* z\n" for d in range(99))
    italics = "<i>z</i> " * 299
    leaflet = parse_page(
        (GOOD + f"\n**FAQs:**\n\n{faqs}\n\n**Dosage:**\n\n{nested}\n{italics}\n").encode(), "p.md"
    )
    assert len(leaflet.faqs) == 2000


def test_the_render_deadline_is_running_when_weasyprint_parses_the_html(monkeypatch):
    """The deadline starts before WeasyPrint's HTML() parse, which can take long on its own."""
    armed = []
    real = leaflets.pdf.HTML

    def spy(*args, **kwargs):
        armed.append(signal.getitimer(signal.ITIMER_REAL)[0] > 0)
        return real(*args, **kwargs)

    monkeypatch.setattr(leaflets.pdf, "HTML", spy)
    html = "<!DOCTYPE html><html lang=en><title>z</title><p>Zomirex</p></html>"
    html_to_pdf(html, Settings(render_timeout=60), stylesheets=False)
    assert armed == [True]


def test_a_slow_html_parse_is_stopped_by_the_deadline():
    """Two megabytes of paragraphs: WeasyPrint's parse alone outlasts a 0.2 s deadline."""
    html = "<!DOCTYPE html><html lang=en><title>z</title>" + "<p>Zomirex eases a back.</p>" * 80_000
    with pytest.raises(RenderError, match=r"longer than 0\.2 s"):
        html_to_pdf(html, Settings(render_timeout=0.2), stylesheets=False)


def test_a_counter_print_past_its_wall_clock_limit_is_killed_and_the_counter_goes_on():
    """The counter's backstop (``jobs.wall_clock_limit``, the same rule as a build job's): a
    worker stuck where the in-worker deadline cannot reach is killed with its pool, the print
    fails with the reason, and the next print runs on a fresh pool."""
    renderer = Renderer(Settings(), workers=1)
    renderer.start()

    async def stuck_then_well():
        stuck = list(renderer.pool._processes.values())
        with pytest.raises(RenderError, match=r"longer than 0\.5 s and was stopped"):
            await renderer.run(time.sleep, 120, seconds=0.5)
        for process in stuck:
            process.join(timeout=10)
        assert not any(process.is_alive() for process in stuck)
        assert renderer.health()["state"] == "ok" and renderer.health()["restarts"] == 1
        assert await renderer.run(operator.add, 2, 3, seconds=60) == 5

    try:
        asyncio.run(stuck_then_well())
    finally:
        renderer.stop()


# -- §2 no traceback --------------------------------------------------------------------------------

DEEP_FLOW = "---\ntitle: Zomirex\nextra: " + "[" * 3000 + "]" * 3000 + "\n---\n" + BODY
DEEP_BLOCK = "---\ntitle: Zomirex\n" + "".join("  " * d + f"k{d}:\n" for d in range(400)) + "---\n" + BODY


@pytest.mark.parametrize("text", [DEEP_FLOW, DEEP_BLOCK], ids=["flow", "block"])
def test_deep_front_matter_is_one_line(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "deep.md"
    page.write_text(text)
    result = invoke("render", str(page), "-o", "deep.pdf")
    one_line_error(result, f"{page}:", "front matter is nested more than 32 levels deep")
    (report,) = check_pages([page], Settings())
    assert [p.message for p in report.problems if p.level == "error"] == [
        "front matter is nested more than 32 levels deep"
    ]


def test_a_deep_page_does_not_stop_title_look_ups_or_the_counter(tmp_path, monkeypatch):
    content = tmp_path / "content"
    content.mkdir()
    (content / "a-deep.md").write_text(DEEP_FLOW)
    (content / "zomirex.md").write_text(GOOD)
    (tmp_path / "leaflets.toml").write_text('[content]\ndir = "content"\n')
    monkeypatch.chdir(tmp_path)
    assert invoke("render", "Zomirex", "--format", "html", "-o", "z.html").exit_code == 0
    library = Library(content, Settings())
    assert [e.slug for e in library.search("zomi")] == ["zomirex"]
    assert "nested more than 32 levels" in library.get("a-deep").error


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("title", '"Zomi\\uD800rex"', "U+D800"),
        ("title", '"Zomi\\0rex"', "U+0000"),
        ("title", '"Zomi\\arex"', "U+0007"),
        ("permalink", '"/composition/z/zomi\\x85rex.html"', "U+0085"),
        ("permalink", '"/composition/z/\\x1b[31mzomirex.html"', "U+001B"),
        ("lang", '"en\\x9b"', "U+009B"),
    ],
    ids=["surrogate", "nul", "bell", "c1-nel", "escape", "csi"],
)
def test_control_characters_and_surrogates_in_front_matter_are_refused(field, value, shown):
    text = f"---\ntitle: Zomirex\nlayout: default\n{field}: {value}\n---\n" + BODY
    if field == "title":
        text = text.replace("title: Zomirex\n", "", 1)
    with pytest.raises(ContentError) as info:
        parse_page(text.encode(), "ctl.md")
    assert shown in info.value.message and f"front matter {field!r}" in info.value.message
    assert info.value.line == (3 if field == "title" else 4)


def test_a_build_with_such_pages_writes_every_other_page_the_manifest_and_the_index(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "zomirex.md").write_text(GOOD)
    (content / "surrogate.md").write_text('---\ntitle: "Zomi\\uD800rex"\n---\n' + BODY)
    (content / "nul.md").write_text('---\ntitle: Zomirex\npermalink: "/z\\0.html"\n---\n' + BODY)
    report = build_library(content, tmp_path / "dist", Settings(base_url=BASE_URL), jobs=1, html=True)
    status = {p.source: p.status for p in report.pages}
    assert status == {"nul.md": "failed", "surrogate.md": "failed", "zomirex.md": "rendered"}
    manifest = json.loads((tmp_path / "dist/manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["pages"]) == 3
    assert "./composition/z/zomirex.html" in (tmp_path / "dist/index.html").read_text(encoding="utf-8")


def test_control_characters_in_the_body_are_removed_with_a_warning(tmp_path):
    leaflet = parse_page((HEAD + "**Usage:** Zomi\x07rex eases \x1b[1ma back\x85.\n").encode(), "b.md")
    assert "Zomirex eases [1ma back." in leaflet.sections[0].html
    assert [p.code for p in leaflet.problems] == ["control-characters"]


def test_control_characters_are_stripped_from_the_patient_fields(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "zomirex.md").write_text(GOOD)
    app = create_app(content, Settings(base_url=BASE_URL), workers=0)
    here = "http://127.0.0.1:8000"  # the bound address, and a form from the counter's own page
    with TestClient(app, base_url=here, headers={"Origin": here}) as client:
        response = client.post(
            "/leaflets/zomirex.pdf",
            data={
                "patient": "Ann\x00ie\x1b Q\u0085uill",
                "directions": "One\x07 a day",
                "initials": "P\x9bK",
            },
        )
    assert response.status_code == 200, response.text
    (tmp_path / "p.pdf").write_bytes(response.content)
    text = pdftotext(tmp_path / "p.pdf")
    assert "Annie Quill" in text and "One a day" in text and "PK" in text


def test_qr_capacity_is_checked_on_the_percent_encoded_url(tmp_path, monkeypatch):
    """990 emoji are 990 characters but 11,880 once percent-encoded: far past a QR code."""
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "emoji.md"
    page.write_text("---\ntitle: Zomirex\npermalink: /" + "\U0001f48a" * 990 + ".html\n---\n" + BODY)
    result = invoke("render", str(page), "-o", "e.pdf", "--base-url", BASE_URL)
    one_line_error(result, f"{page}:", "11,886 characters once percent-encoded")


def test_a_url_the_qr_code_cannot_hold_is_a_render_error_not_a_traceback(tmp_path, monkeypatch):
    """A long site address and a long file name together (no permalink at all)."""
    monkeypatch.chdir(tmp_path)
    page = tmp_path / ("z" * 200 + ".md")
    page.write_text(GOOD)
    base = "https://leaflets.invalid/" + "/".join(["a" * 200] * 11)
    result = invoke("render", str(page), "-o", "q.pdf", "--base-url", base)
    one_line_error(result, "", "too long for a QR code")


def test_unwritable_output_is_one_line_exit_2(tmp_path, monkeypatch):
    """The output's parent is a file (ENOTDIR, whatever the user's rights), or read-only."""
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "zomirex.md"
    page.write_text(GOOD)
    (tmp_path / "a-file").write_text("x")
    for fmt in ("pdf", "html"):
        target = tmp_path / f"a-file/sub/z.{fmt}"
        result = invoke("render", str(page), "--format", fmt, "-o", str(target))
        one_line_error(result, f"{target}: cannot write", "Not a directory", code=2)
    content = tmp_path / "content"
    content.mkdir()
    (content / "zomirex.md").write_text(GOOD)
    result = invoke("build", str(content), "-o", str(tmp_path / "a-file/dist"), "--base-url", BASE_URL)
    one_line_error(result, f"{tmp_path / 'a-file/dist'}: cannot write", "Not a directory", code=2)
    assert issubclass(OutputError, OSError)


@pytest.mark.parametrize(
    "manifest",
    [
        '{"pages": [{"source": "zomirex.md"}]}',
        '{"pages": [{"source": "zomirex.md", "status": "rendered", "key": 7, "outputs": []}]}',
        '{"pages": [{"source": "zomirex.md", "status": "rendered", "outputs": [{"path": "/etc/passwd"}]}]}',
        '{"pages": {"zomirex.md": 1}}',
        "[" * 100_000 + "]" * 100_000,
        "not json at all",
        '{"pages": [{"source": "zomirex.md", "status": "rendered", "outputs": [{"path": "../x", "size": "a",'
        ' "pages": 1, "bytes": 1, "sha256": "x"}]}]}',
    ],
    ids=[
        "missing-keys",
        "wrong-type",
        "bad-output",
        "pages-not-a-list",
        "100k-deep",
        "not-json",
        "climbs-out",
    ],
)
def test_a_corrupted_manifest_is_absent_with_a_warning(manifest, tmp_path, caplog):
    content = tmp_path / "content"
    content.mkdir()
    (content / "zomirex.md").write_text(GOOD)
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "manifest.json").write_text(manifest)
    report = build_library(content, dist, Settings(base_url=BASE_URL), jobs=1)
    assert [p.status for p in report.pages] == ["rendered"]
    assert any("treated as absent" in r.getMessage() for r in caplog.records)
    assert json.loads((dist / "manifest.json").read_text())["pages"][0]["status"] == "rendered"


def _special_files(content: Path) -> None:
    os.mkfifo(content / "fifo.md")
    (content / "zero.md").symlink_to("/dev/zero")


def test_fifos_and_devices_never_hang_check(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "zomirex.md").write_text(GOOD)
    _special_files(content)
    proc = subprocess.run(
        [sys.executable, "-m", "leaflets", "check", str(content), "fifo.md", "zero.md"],
        cwd=content,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr
    assert "fifo.md: error: is a FIFO, not a regular file" in proc.stdout
    assert "zero.md: error: is a character device, not a regular file" in proc.stdout
    assert proc.returncode == 1


def test_fifos_and_devices_never_hang_the_counter_or_a_build(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "zomirex.md").write_text(GOOD)
    _special_files(content)
    library = Library(content, Settings())
    assert [e.slug for e in library.search("")] == ["zomirex"]
    report = build_library(content, tmp_path / "dist", Settings(base_url=BASE_URL), jobs=1)
    assert [(p.source, p.status) for p in report.pages] == [("zomirex.md", "rendered")]


def test_at_most_max_bytes_plus_one_are_read(tmp_path, monkeypatch):
    big = tmp_path / "big.md"
    with big.open("wb") as fh:
        fh.truncate(50_000_000)  # sparse: 50 MB that cost nothing
    asked = []
    real = os.fdopen

    def spy(*args, **kwargs):
        fh = real(*args, **kwargs)
        read = fh.read
        fh.read = lambda n=-1: asked.append(n) or read(n)
        return fh

    monkeypatch.setattr(leaflets.files.os, "fdopen", spy)
    # The size it states is refused before any read, and named.
    with pytest.raises(ContentError, match="50,000,000 bytes, over the 1,000-byte limit"):
        read_page_bytes(big, 1000)
    assert asked == []
    # A file that says it is small (one still being written, a /proc file) is still read bounded.
    real_fstat = os.fstat

    def small(fd):
        st = real_fstat(fd)
        head = (st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid)
        return os.stat_result((*head, 0, 0, 0, 0))

    monkeypatch.setattr(leaflets.files.os, "fstat", small)
    with pytest.raises(ContentError, match="over the 1,000-byte limit"):
        read_page_bytes(big, 1000)
    assert asked == [1001]


def test_everything_is_caught_at_the_page_boundary(tmp_path, monkeypatch):
    """An unexpected exception in one page stays in that page's report, in check and the counter."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "zomirex.md").write_text(GOOD)
    (content / "boom.md").write_text(GOOD.replace("Zomirex", "Boomirex"))
    real = reader.parse_page

    def sometimes(data, path, **kwargs):
        if str(path).endswith("boom.md"):
            raise RuntimeError("an unexpected failure")
        return real(data, path, **kwargs)

    monkeypatch.setattr(reader, "parse_page", sometimes)
    reports = {Path(r.path).name: r for r in check_pages([content], Settings())}
    assert reports["boom.md"].status == "error" and reports["zomirex.md"].status != "error"
    assert "internal error: RuntimeError" in reports["boom.md"].problems[0].message
    library = Library(content, Settings())
    assert library.get("boom").leaflet is None and library.get("zomirex").leaflet is not None


# -- §5 banned ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "banned"),
    [
        ("true", True),
        ('"true"', True),
        ('"yes"', True),
        ("1", True),
        ('"1"', True),
        ('"Yes "', True),
        ("on", True),
        ("false", False),
        ('"no"', False),
        ("0", False),
        ('""', False),
    ],
)
def test_banned_truthy_values(value, banned):
    text = f"---\ntitle: Zomirex\nis_banned: {value}\n---\n" + BODY
    if banned:
        with pytest.raises(NotALeafletError, match="banned"):
            parse_page(text.encode(), "b.md")
    else:
        assert parse_page(text.encode(), "b.md").title == "Zomirex"


def test_an_unclear_banned_value_is_an_error_not_a_guess():
    with pytest.raises(ContentError, match="'is_banned' must be true or false, not 'maybe'"):
        parse_page(("---\ntitle: Zomirex\nis_banned: maybe\n---\n" + BODY).encode(), "b.md")


def test_deep_front_matter_is_refused_before_yaml_reads_it(monkeypatch):
    """PyYAML slows down with every open bracket (3,000 took seconds): the depth is counted on
    the raw header first."""

    def forbidden(*args, **kwargs):
        raise AssertionError("YAML ran before the header was refused")

    monkeypatch.setattr(front_matter.yaml, "load", forbidden)
    with pytest.raises(ContentError, match="nested more than 32 levels"):
        parse_page(DEEP_FLOW.encode(), "deep.md")
