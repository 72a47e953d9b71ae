"""``leaflets check``: problems as file:line: level: message, JSON, readability, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import ROOT

from leaflets.cli import cli
from leaflets.readability import measure


def page(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """---
title: Goodol
---
# Goodol

**Usage:** Goodol is used in tests.

**Side Effects:**

* **Tiredness:** Feeling tired.

**FAQs:**

* **Is it real?** No.

**Disclaimer:** Not advice.

**Note:** This may not be accurate.
"""


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_clean_page_reports_readability_only(tmp_path):
    good = page(tmp_path, "goodol.md", GOOD)
    result = run("check", str(good))
    assert result.exit_code == 0, result.output
    lines = [x for x in result.output.splitlines() if x.startswith(str(good))]
    assert len(lines) == 1
    assert lines[0].startswith(f"{good}: info: Flesch reading ease")


def test_problems_with_lines_and_levels(tmp_path):
    text = GOOD.replace("# Goodol", "# Badol").replace("**Note:** This may not be accurate.\n", "")
    text = text.replace("**FAQs:**", "**Trivia:** it is blue.\n\n**FAQs:**")
    text += "\n**How it Works:** It works by stopping in the middle of a sentence because"
    bad = page(tmp_path, "badol.md", text)
    out = run("check", str(bad)).output
    assert f"{bad}:4: warning: title 'Goodol' differs from the H1 'Badol'" in out
    assert f"{bad}:12: warning: unknown section 'Trivia'" in out
    assert f"{bad}: warning: no note" in out
    assert f"{bad}:21: warning: page looks truncated" in out


def test_errors_and_exit_status(tmp_path):
    refusal = page(tmp_path, "nope.md", "---\ntitle: Nope\n---\nThere is no medication called Nope.\n")
    broken = page(tmp_path, "broken.md", "---\ntitle: [\n---\n**Usage:** x\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert f"{refusal}: error: not a leaflet" in result.output
    assert f"{broken}:2: error: front matter is not valid YAML" in result.output


def test_strict_fails_on_warnings(tmp_path):
    page(tmp_path, "warn.md", GOOD.replace("**Note:** This may not be accurate.\n", ""))
    assert run("check", str(tmp_path)).exit_code == 0
    assert run("check", "--strict", str(tmp_path)).exit_code == 1


def test_missing_sections_and_duplicate_urls(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bare = "---\ntitle: Same\n---\n**Dosage:** as told.\n"
    one = page(tmp_path / "a", "same.md", bare)
    two = page(tmp_path / "b", "same.md", bare)
    out = run("check", str(tmp_path)).output
    for missing in ("usage", "side effects", "FAQ"):
        assert f"{one}: warning: no {missing} section" in out
    # Both files give the same path: neither owns it, and each is an error naming the other.
    assert f"{one}: error: its online path 'composition/s/same.html' is also b/same.md's" in out
    assert f"{two}: error: its online path 'composition/s/same.html' is also a/same.md's" in out


def test_json_format(tmp_path):
    page(tmp_path, "goodol.md", GOOD)
    page(tmp_path, "nope.md", "---\ntitle: Nope\n---\nI cannot provide that.\n")
    result = run("check", "--format", "json", str(tmp_path))
    data = json.loads(result.output)
    assert [d["path"].rsplit("/", 1)[1] for d in data] == ["goodol.md", "nope.md"]
    good, nope = data
    assert good["status"] == "ok"
    assert set(good["readability"]) == {"flesch_reading_ease", "fk_grade", "words", "sentences"}
    assert nope["status"] == "error"
    assert nope["problems"][0]["code"] == "not-a-leaflet"
    assert nope["readability"] is None


def test_max_grade_turns_grade_into_warning(tmp_path):
    hard = GOOD.replace(
        "Goodol is used in tests.",
        "Goodol is administered prophylactically notwithstanding considerable interindividual "
        "pharmacokinetic variability characterising contemporaneous therapeutic populations.",
    )
    path = page(tmp_path, "hard.md", hard)
    assert "warning: Flesch-Kincaid grade" not in run("check", str(path)).output
    result = run("check", "--max-grade", "8", str(path))
    assert "warning: Flesch-Kincaid grade" in result.output and "is above 8" in result.output
    assert result.exit_code == 0
    assert run("check", "--max-grade", "8", "--strict", str(path)).exit_code == 1


def test_readability_formulas_offline():
    easy = measure("The cat sat on the mat. The dog ran.")
    hard = measure("Pharmacokinetic interindividual variability necessitates individualised titration.")
    assert easy.words == 9 and easy.sentences == 2
    assert easy.fk_grade < 2 < 12 < hard.fk_grade
    assert easy.flesch_reading_ease > 90 > 0 > hard.flesch_reading_ease
    # Syllables: the vowel-group floor fixes words hyphenation dictionaries will not split.
    assert measure("tablet").syllables == 2
    assert measure("medication").syllables == 4


@pytest.mark.parametrize("target", ["content", None])
def test_checks_content_folder_by_default(monkeypatch, target):
    monkeypatch.chdir(ROOT)
    result = run("check", *([target] if target else []))
    assert result.exit_code == 0, result.output
    assert "content/b/baclofen.md: info:" in result.output
    assert ": warning:" not in result.output


def test_a_readme_is_not_a_page_for_build_check_the_counter_or_the_cli(tmp_path, monkeypatch):
    """One page-discovery rule everywhere: README.md describes the folder."""
    import shutil

    from click.testing import CliRunner

    from leaflets import Settings
    from leaflets.build import build_library
    from leaflets.check import check_pages
    from leaflets.cli import cli
    from leaflets.library import Library

    src = tmp_path / "content"
    (src / "b").mkdir(parents=True)
    shutil.copy(ROOT / "content/b/baclofen.md", src / "b/baclofen.md")
    (src / "README.md").write_text("# About these pages\n\nThey are samples.\n")
    assert [r.path for r in check_pages([src], Settings())] == [str(src / "b/baclofen.md")]
    assert [e.slug for e in Library(src, Settings()).entries()] == ["baclofen"]
    report = build_library(src, tmp_path / "out", Settings(), jobs=0)
    assert [p.source for p in report.pages] == ["b/baclofen.md"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "leaflets.toml").write_text('[content]\ndir = "content"\n')
    result = CliRunner().invoke(cli, ["render", "readme"])
    assert result.exit_code == 2 and "no page named 'readme'" in result.output
