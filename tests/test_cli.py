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
