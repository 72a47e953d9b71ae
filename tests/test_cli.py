"""The CLI: exit codes, one-line errors, no tracebacks, lazy imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import ROOT

from leaflets.cli import cli


@pytest.fixture
def run(monkeypatch):
    monkeypatch.chdir(ROOT)

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_render_by_slug_writes_pdf(run, tmp_path):
    out = tmp_path / "b.pdf"
    result = run("render", "baclofen", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    assert "wrote" in result.output


def test_render_by_title_case_insensitive_html(run, tmp_path):
    out = tmp_path / "a.html"
    result = run("render", "AMOXICILLIN + clavulanic acid", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html and "Amoxicillin + Clavulanic Acid" in html


def test_default_output_name(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = ROOT / "content" / "p" / "paracetamol.md"
    result = CliRunner().invoke(
        cli, ["render", str(page), "--format", "html", "--config", str(ROOT / "leaflets.toml")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "paracetamol.html").exists()


def test_warns_without_base_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = ROOT / "content" / "p" / "paracetamol.md"
    result = CliRunner().invoke(cli, ["render", str(page), "--format", "html"])
    assert result.exit_code == 0
    assert "no base_url" in result.output
    assert "<svg" not in (tmp_path / "paracetamol.html").read_text().split("</main>")[1]


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", 1, "bad.md: file is empty"),
        (b"---\ntitle: [x\n---\n", 1, "bad.md:2: front matter is not valid YAML"),
        (b"---\ntitle: X\n---\nThere is no medication called X.\n", 1, "not a leaflet"),
        (b"\x00\x01\x02binary", 1, "binary"),
    ],
)
def test_content_errors_exit_1_with_one_line(run, tmp_path, content, code, message):
    bad = tmp_path / "bad.md"
    bad.write_bytes(content)
    result = CliRunner().invoke(cli, ["render", str(bad), "-o", str(tmp_path / "o.pdf")])
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o.pdf").exists()


def test_usage_errors_exit_2(run, tmp_path):
    assert run("render", "no-such-drug").exit_code == 2
    assert run("render", "baclofen", "--size", "huge").exit_code == 2
    bad_config = tmp_path / "c.toml"
    bad_config.write_text('[site]\nbase_url = "https://x.org"\ncolour = "red"\n')
    result = run("render", "baclofen", "--config", str(bad_config))
    assert result.exit_code == 2
    assert "unknown key [site] 'colour'" in result.output


def test_missing_file_exit_1(run):
    result = run("render", "nowhere/x.md")
    assert result.exit_code == 1
    assert "nowhere/x.md: no such file" in result.output


def test_no_traceback_in_real_process(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"---\n[1, 2\n---\n")
    proc = subprocess.run(
        [sys.executable, "-m", "leaflets", "render", str(bad)], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {bad}:")


def test_help_does_not_import_weasyprint():
    code = (
        "import sys\nfrom leaflets.cli import main\nsys.argv=['leaflets','--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'weasyprint' not in sys.modules, 'weasyprint imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "render" in proc.stdout


def test_console_script_and_module_entry_points():
    proc = subprocess.run([sys.executable, "-m", "leaflets", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "leaflets" in proc.stdout


# -- -o, one usage-error style, exit codes (issue 14 §3) -------------------------------------


def test_output_extension_picks_the_format(run, tmp_path):
    out = tmp_path / "b.html"
    assert run("render", "baclofen", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_output_extension_and_format_that_disagree_are_a_usage_error(run, tmp_path):
    result = run("render", "baclofen", "-o", str(tmp_path / "b.html"), "--format", "pdf")
    assert result.exit_code == 2
    assert "is a .html file, but --format says pdf" in result.output
    assert not (tmp_path / "b.html").exists()


def test_output_folder_gets_slug_and_suffix(run, tmp_path):
    result = run("render", "baclofen", "-o", f"{tmp_path}/new/")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "baclofen.pdf").read_bytes().startswith(b"%PDF-")


def test_output_dash_writes_to_standard_output(run):
    result = run("render", "baclofen", "-o", "-", "--format", "html")
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>") and "wrote" not in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["render", "baclofn"],  # an unknown page
        ["render", "baclofen", "--size", "huge"],  # a bad choice
        ["rendr", "baclofen"],  # an unknown command
        ["render", "baclofen", "-o", "x.txt"],  # a format nobody can tell
    ],
)
def test_every_usage_mistake_is_one_error_line_and_status_2(run, args):
    result = run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Usage:" not in result.output


def test_unknown_page_says_did_you_mean(run):
    result = run("render", "baclofn")
    assert "did you mean 'baclofen'?" in result.output  # one name per page, not its slug and its title
    # The counter's own fuzzy search: a brand name with a typo, from a page's aliases.
    assert "did you mean 'Ventolin'?" in run("render", "ventolim").output


def test_a_page_is_found_by_its_brand_name(run, tmp_path):
    result = run("render", "Nurofen", "-o", str(tmp_path / "n.pdf"))
    assert result.exit_code == 0, result.output
    assert (
        "Ibuprofen"
        in subprocess.run(
            ["pdftotext", str(tmp_path / "n.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
    )


def test_an_error_names_the_flag_that_set_the_value(run, tmp_path):
    result = run("render", "baclofen", "--base-url", "ftp://example.org", "-o", str(tmp_path / "b.pdf"))
    assert result.exit_code == 2
    assert result.output.startswith("error: --base-url: ") and "leaflets.toml" not in result.output


def test_top_level_help_shows_whole_summaries(run):
    result = run("--help")
    text = " ".join(result.output.split())
    assert "..." not in result.output.split("Commands:")[1]
    assert "before they reach a patient." in text and "print it for a patient." in text


def test_a_port_in_use_is_status_3(run):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.exit_code == 3
    assert f"127.0.0.1:{port} is already in use" in result.output


def test_readme_exit_code_table_covers_every_code():
    from leaflets import errors
    from leaflets.cli_common import USAGE

    codes = {c.exit_code for c in vars(errors).values() if isinstance(c, type) and hasattr(c, "exit_code")}
    codes |= {0, 1, USAGE, 130}  # success, failed pages, usage mistakes, interrupted
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in codes:
        assert f"| {code} |" in table, code


def test_max_grade_compares_the_grade_as_printed(monkeypatch):
    """6.014 prints as 6.0, so it is not "above 6"; every grade is rounded once, the same way."""
    import leaflets.check as check
    from leaflets.readability import Readability
    from leaflets.reader import read_page

    leaflet = read_page(ROOT / "content" / "b" / "baclofen.md")
    monkeypatch.setattr(check, "leaflet_readability", lambda _: Readability(50, 3, 64))
    problems, readability = check.lint(leaflet, max_grade=6)
    assert readability.grade == 6.0 and not [p for p in problems if p.code == "grade"]
    problems, _ = check.lint(leaflet, max_grade=5.9)
    assert [p.message for p in problems if p.code == "grade"] == ["Flesch-Kincaid grade 6.0 is above 5.9"]
