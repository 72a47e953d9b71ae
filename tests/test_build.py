"""Bulk export: parallel, incremental, atomic, with an honest manifest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE_URL, ROOT

from leaflets import Settings
from leaflets.build import BuildInterrupted, build_library
from leaflets.cli import cli

CONTENT = ROOT / "content"


@pytest.fixture
def library(tmp_path):
    """Three good pages (two folders), a refused page and a page with broken front matter."""
    src = tmp_path / "content"
    for rel in ("b/baclofen.md", "p/paracetamol.md", "i/ibuprofen.md"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CONTENT / rel, src / rel)
    (src / "n").mkdir()
    (src / "n/nothing.md").write_text("---\ntitle: Nothing\n---\nThere is no medication called Nothing.\n")
    (src / "x").mkdir()
    (src / "x/broken.md").write_text("---\ntitle: [broken\n---\n**Usage:** x\n")
    return src


def settings() -> Settings:
    return Settings(base_url=BASE_URL)


def manifest(out: Path) -> dict:
    return {p["source"]: p for p in json.loads((out / "manifest.json").read_text())["pages"]}


def test_build_good_refused_and_failed_pages(library, tmp_path):
    out = tmp_path / "dist"
    result = CliRunner().invoke(
        cli, ["build", str(library), "-o", str(out), "-j", "2", "--base-url", BASE_URL]
    )
    assert result.exit_code == 1, result.output
    pages = manifest(out)
    assert sorted(pages) == [
        "b/baclofen.md",
        "i/ibuprofen.md",
        "n/nothing.md",
        "p/paracetamol.md",
        "x/broken.md",
    ]
    assert pages["n/nothing.md"]["status"] == "refused"
    assert "not a leaflet" in pages["n/nothing.md"]["reason"]
    assert pages["x/broken.md"]["status"] == "failed"
    assert "front matter" in pages["x/broken.md"]["reason"]
    baclofen = pages["b/baclofen.md"]
    assert baclofen["status"] == "rendered"
    assert baclofen["url"] == f"{BASE_URL}/composition/b/baclofen.html"
    assert baclofen["title"] == "Baclofen" and len(baclofen["revision"]) == 12
    (output,) = baclofen["outputs"]
    pdf = out / "b/baclofen.pdf"
    assert output["path"] == "b/baclofen.pdf" and output["size"] == "standard"
    assert output["bytes"] == pdf.stat().st_size and output["pages"] >= 2
    import hashlib

    assert output["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
    assert info.returncode == 0 and f"Pages:           {output['pages']}" in info.stdout
    assert not (out / "n").exists() and not (out / "x").exists()
    assert "refused: " in result.output and "nothing.md" in result.output
    assert "3 rendered, 0 unchanged, 1 refused, 1 failed" in result.output


def test_a_page_whose_rendering_raises_does_not_stop_the_others(library, tmp_path, monkeypatch):
    import leaflets.pdf

    real = leaflets.pdf.render_pdf

    def explode(leaflet, s):
        if leaflet.slug == "paracetamol":
            raise MemoryError("simulated")
        return real(leaflet, s)

    monkeypatch.setattr(leaflets.pdf, "render_pdf", explode)
    report = build_library(library, tmp_path / "out", settings(), jobs=0)  # in-process
    by = {p.source: p for p in report.pages}
    assert by["p/paracetamol.md"].status == "failed"
    assert "MemoryError" in by["p/paracetamol.md"].reason
    assert by["b/baclofen.md"].status == by["i/ibuprofen.md"].status == "rendered"
    assert not report.ok
    assert not (tmp_path / "out/p/paracetamol.pdf").exists()


def test_incremental_rebuild_and_removed_pages(library, tmp_path):
    out = tmp_path / "dist"
    first = build_library(library, out, settings(), jobs=2)
    assert first.count("rendered") == 3
    mtime = (out / "b/baclofen.pdf").stat().st_mtime_ns
    second = build_library(library, out, settings(), jobs=2)
    assert second.count("rendered") == 0 and second.count("unchanged") == 3
    # Refused and failed pages are tried again: they may have been fixed.
    assert second.count("refused") == 1 and second.count("failed") == 1
    assert (out / "b/baclofen.pdf").stat().st_mtime_ns == mtime
    page = library / "i/ibuprofen.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    third = build_library(library, out, settings(), jobs=2)
    assert [p.source for p in third.pages if p.status == "rendered"] == ["i/ibuprofen.md"]
    # Settings change → everything again; --force too.
    fourth = build_library(library, out, settings().replace(paper="letter"), jobs=2)
    assert fourth.count("rendered") == 3
    assert (
        build_library(library, out, settings().replace(paper="letter"), jobs=2, force=True).count("rendered")
        == 3
    )
    (library / "b/baclofen.md").unlink()
    fifth = build_library(library, out, settings().replace(paper="letter"), jobs=2)
    assert "b/baclofen.md" not in {p.source for p in fifth.pages}
    assert not (out / "b/baclofen.pdf").exists() and not (out / "b").exists()
    assert "b/baclofen.md" not in manifest(out)


def test_sizes_all_gives_one_file_each(library, tmp_path):
    out = tmp_path / "dist"
    build_library(library, out, settings(), sizes=("standard", "large"), jobs=2)
    entry = manifest(out)["b/baclofen.md"]
    assert [(o["path"], o["size"]) for o in entry["outputs"]] == [
        ("b/baclofen.pdf", "standard"),
        ("b/baclofen.large.pdf", "large"),
    ]
    assert (out / "b/baclofen.large.pdf").stat().st_size > 0
    # Building standard only afterwards removes the large files it no longer owns.
    build_library(library, out, settings(), jobs=2)
    assert not (out / "b/baclofen.large.pdf").exists()


def test_same_url_is_an_error_and_neither_page_is_written(tmp_path):
    """Two permalinks claiming one path: it is neither page's, and both fail before rendering
    (each PDF's QR code would open a page that may be the other's)."""
    src = tmp_path / "content"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    page = "---\ntitle: Twin\npermalink: /twin.html\n---\n**Usage:** u.\n"
    (src / "a/twin.md").write_text(page)
    (src / "b/twin.md").write_text(page.replace("Twin", "Other twin"))
    report = build_library(src, tmp_path / "out", settings(), jobs=1, html=True)
    assert not report.ok
    reasons = {p.source: (p.status, p.reason) for p in report.pages}
    assert reasons == {
        "a/twin.md": ("failed", "its online path 'twin.html' is also b/twin.md's"),
        "b/twin.md": ("failed", "its online path 'twin.html' is also a/twin.md's"),
    }
    assert not list((tmp_path / "out").rglob("*.pdf")) and not (tmp_path / "out/twin.html").exists()


def test_two_builds_are_byte_identical(library, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    build_library(library, one, settings(), jobs=2)
    build_library(library, two, settings(), jobs=2)
    assert (one / "manifest.json").read_bytes() == (two / "manifest.json").read_bytes()
    for pdf in one.rglob("*.pdf"):
        assert pdf.read_bytes() == (two / pdf.relative_to(one)).read_bytes()


def _no_temp_files(out: Path) -> None:
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def _manifest_matches_disk(out: Path) -> None:
    import hashlib

    for entry in manifest(out).values():
        for o in entry["outputs"]:
            assert hashlib.sha256((out / o["path"]).read_bytes()).hexdigest() == o["sha256"]


def test_interrupt_keeps_manifest_true(library, tmp_path):
    out = tmp_path / "dist"
    seen = []

    def stop(done, total, result):
        seen.append(result.source)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(BuildInterrupted) as info:
        build_library(library, out, settings(), jobs=2, on_progress=stop)
    assert info.value.report.interrupted
    _no_temp_files(out)
    _manifest_matches_disk(out)
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}
    listed = {o["path"] for e in manifest(out).values() for o in e["outputs"]}
    assert written == listed


def test_sigint_to_a_real_build(tmp_path):
    src = tmp_path / "content"
    # 60 pages: under load this process may read "[3/" seconds after the build printed it, and
    # the build must still be running then (with 24 it sometimes had finished, exit 0).
    for n in range(30):
        for rel in ("b/baclofen.md", "s/salbutamol.md"):
            # A slug of its own for each copy: two pages may not share an online path.
            target = src / f"{n}" / rel.replace(".md", f"-{n}.md")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(CONTENT / rel, target)
    out = tmp_path / "dist"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leaflets",
            "build",
            str(src),
            "-o",
            str(out),
            "-j",
            "2",
            "--base-url",
            BASE_URL,
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if line.startswith("[3/"):
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, "".join(lines) + rest
    assert "interrupted" in rest and "Traceback" not in rest
    _no_temp_files(out)
    _manifest_matches_disk(out)
    written = {p.relative_to(out).as_posix() for p in out.rglob("*.pdf")}
    listed = {o["path"] for e in manifest(out).values() for o in e["outputs"]}
    assert written == listed and 3 <= len(written) < 60


def test_sigterm_stops_like_ctrl_c(tmp_path):
    src = tmp_path / "content"
    for n in range(10):
        target = src / f"{n}" / f"b/baclofen-{n}.md"  # one online path each
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CONTENT / "b/baclofen.md", target)
    out = tmp_path / "dist"
    proc = subprocess.Popen(
        [sys.executable, "-m", "leaflets", "build", str(src), "-o", str(out), "-j", "2"],
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stderr:
        if line.startswith("[2/"):
            proc.send_signal(signal.SIGTERM)
            break
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    _no_temp_files(out)
    _manifest_matches_disk(out)
    time.sleep(0.1)


def test_quiet_prints_nothing(tmp_path):
    src = tmp_path / "content"
    (src / "b").mkdir(parents=True)
    shutil.copy(CONTENT / "b/baclofen.md", src / "b/baclofen.md")
    result = CliRunner().invoke(
        cli, ["build", str(src), "-o", str(tmp_path / "o"), "-q", "-j", "1", "--base-url", BASE_URL]
    )
    assert result.exit_code == 0 and result.output == ""


def test_a_page_an_executor_loses_is_reported(library, tmp_path):
    """An executor that never returns a page must not make it vanish from the report."""
    from leaflets.build import render_job

    class Lossy:
        def run(self, fn, jobs):
            for job in list(jobs)[1:]:
                yield render_job(job)

        def cancel(self):
            pass

        def close(self):
            pass

    report = build_library(library, tmp_path / "out", settings(), executor=Lossy())
    lost = [p for p in report.pages if p.reason == "no result came back from the executor"]
    assert len(lost) == 1 and lost[0].status == "failed"
    assert len(report.pages) == 5


class Counting:
    """Runs jobs in this process and counts them (and the PDFs they render)."""

    def __init__(self):
        from leaflets.executors import LocalExecutor

        self.inner = LocalExecutor(0, settings(), ("standard",))
        self.jobs = []
        self.prepared = 0

    def prepare(self):
        self.prepared += 1

    def run(self, fn, jobs):
        for job in jobs:
            self.jobs.append(job)
            yield fn(job)

    def cancel(self):
        pass

    def close(self):
        pass


def test_refused_and_broken_pages_are_remembered_and_no_pool_starts(library, tmp_path):
    from leaflets.executors import LocalExecutor

    out = tmp_path / "out"
    build_library(library, out, settings(), jobs=2)
    pool = LocalExecutor(2, settings(), ("standard",))
    again = build_library(library, out, settings(), executor=pool)
    assert pool.started == 0  # nothing to render: no worker process at all
    assert again.count("unchanged") == 3
    refused = {p.source: p.reason for p in again.pages if p.status in ("refused", "failed")}
    assert set(refused) == {"n/nothing.md", "x/broken.md"} and all(refused.values())
    assert manifest(out)["n/nothing.md"]["retry"] is False
    idle = Counting()
    build_library(library, out, settings(), executor=idle)
    assert idle.prepared == 0 and idle.jobs == []  # not even the server workers fork from
    # A changed page is read again, refused or not; the executor starts up once, while the
    # build still plans.
    (library / "n/nothing.md").write_text("---\ntitle: Nothing\n---\nThere is no medication called Zilch.\n")
    counting = Counting()
    build_library(library, out, settings(), executor=counting)
    assert [j.source for j in counting.jobs] == ["n/nothing.md"]
    assert counting.prepared == 1


def test_a_page_that_timed_out_is_tried_again_next_build(tmp_path):
    src = tmp_path / "content"
    (src / "b").mkdir(parents=True)
    shutil.copy(CONTENT / "b/baclofen.md", src / "b/baclofen.md")
    slow = settings().replace(render_timeout=0.01)
    first = build_library(src, tmp_path / "out", slow, jobs=0)
    assert first.pages[0].status == "failed" and "longer than 0.01 s" in first.pages[0].reason
    assert manifest(tmp_path / "out")["b/baclofen.md"]["retry"] is True
    counting = Counting()
    build_library(src, tmp_path / "out", slow, executor=counting)
    assert [j.source for j in counting.jobs] == ["b/baclofen.md"]


def test_a_plain_build_keeps_the_site_and_html_reuses_the_pdfs(library, tmp_path):
    out = tmp_path / "out"
    build_library(library, out, settings(), jobs=2, html=True)
    site = sorted(p for p in out.rglob("*.html") if p.name != "index.html")
    assert len(site) == 3
    # A PDF-only build of other sizes must not remove the site pages.
    build_library(library, out, settings(), jobs=2, sizes=("standard", "large"))
    assert all(p.is_file() for p in site) and (out / "index.html").is_file()
    listed = {o["path"] for e in manifest(out).values() for o in e["outputs"]}
    assert {p.relative_to(out).as_posix() for p in site} <= listed
    assert (out / "b/baclofen.large.pdf").is_file()
    # Then --html renders the site pages only: the PDFs are current.
    counting = Counting()
    report = build_library(
        library, out, settings(), executor=counting, sizes=("standard", "large"), html=True
    )
    assert {j.source for j in counting.jobs} == {"b/baclofen.md", "p/paracetamol.md", "i/ibuprofen.md"}
    assert all(j.sizes == () and len(j.keep) == 2 for j in counting.jobs)
    page = (out / site[0].relative_to(out)).read_text()
    assert ".large.pdf" in page
    assert report.count("rendered") == 3
    # And with nothing changed, nothing at all is rendered.
    counting = Counting()
    build_library(library, out, settings(), executor=counting, sizes=("standard", "large"), html=True)
    assert counting.jobs == []


def test_removed_page_site_output_waits_for_an_html_build(library, tmp_path):
    out = tmp_path / "out"
    build_library(library, out, settings(), jobs=2, html=True)
    site = [o["path"] for o in manifest(out)["b/baclofen.md"]["outputs"] if o["size"] == "html"]
    (library / "b/baclofen.md").unlink()
    build_library(library, out, settings(), jobs=0)
    assert not (out / "b/baclofen.pdf").exists() and (out / site[0]).is_file()
    assert manifest(out)["b/baclofen.md"]["status"] == "gone"
    build_library(library, out, settings(), jobs=0, html=True)
    assert not (out / site[0]).exists() and "b/baclofen.md" not in manifest(out)


def test_unknown_path_pattern_placeholder_is_one_config_error(library, tmp_path):
    (tmp_path / "leaflets.toml").write_text('[site]\npath_pattern = "/{slug}/{lettre}.html"\n')
    result = CliRunner().invoke(
        cli, ["build", str(library), "-o", str(tmp_path / "o"), "--config", str(tmp_path / "leaflets.toml")]
    )
    assert result.exit_code == 2
    assert "unknown placeholder {lettre}" in result.output and "leaflets.toml" in result.output
    assert not (tmp_path / "o").exists()


def test_outputs_are_readable_by_everyone(library, tmp_path):
    """A web server publishing dist/ runs as another user: every file is 0644, not mkstemp's 0600."""
    out = tmp_path / "out"
    build_library(library, out, settings(), jobs=0, html=True)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o777 == 0o644 for p in files)


def test_a_manifest_never_makes_the_build_remove_files_outside_its_folder(library, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.pdf"
    victim.write_bytes(b"%PDF-keep")
    entry = {"source": "gone.md", "slug": "gone", "status": "rendered", "key": "k"}
    entry["outputs"] = [{"path": "../victim.pdf", "size": "standard", "pages": 1, "bytes": 9, "sha256": ""}]
    (out / "manifest.json").write_text(json.dumps({"pages": [entry]}))
    build_library(library, out, settings(), jobs=0)
    assert victim.read_bytes() == b"%PDF-keep"


def test_a_link_in_the_output_folder_never_makes_the_build_remove_what_it_points_to(library, tmp_path):
    """A manifest path with no '..' can still lead out through a symlinked folder inside the
    output folder: stale removal goes by where the file really is, not by how its path reads."""
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = elsewhere / "victim.pdf"
    victim.write_bytes(b"%PDF-keep")
    (out / "old").symlink_to(elsewhere, target_is_directory=True)
    entry = {"source": "gone.md", "slug": "gone", "status": "rendered", "key": "k"}
    entry["outputs"] = [{"path": "old/victim.pdf", "size": "standard", "pages": 1, "bytes": 9, "sha256": ""}]
    (out / "manifest.json").write_text(json.dumps({"pages": [entry]}))
    build_library(library, out, settings(), jobs=0)
    assert victim.read_bytes() == b"%PDF-keep"


def test_a_damaged_output_is_rendered_again(library, tmp_path):
    out = tmp_path / "out"
    build_library(library, out, settings(), jobs=0)
    (out / "b/baclofen.pdf").write_bytes(b"%PDF-trunc")
    counting = Counting()
    build_library(library, out, settings(), executor=counting)
    assert [j.source for j in counting.jobs] == ["b/baclofen.md"]
    assert (out / "b/baclofen.pdf").stat().st_size == manifest(out)["b/baclofen.md"]["outputs"][0]["bytes"]
    # Damaged in place, at the same size: changed after the manifest, so rendered again.
    time.sleep(0.01)
    pdf = out / "p/paracetamol.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"%PDF-", b"%XXX-", 1))
    counting = Counting()
    build_library(library, out, settings(), executor=counting)
    assert [j.source for j in counting.jobs] == ["p/paracetamol.md"]
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_a_new_logo_renders_every_page_again(library, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG first")
    out = tmp_path / "out"
    with_logo = settings().replace(logo=logo)
    build_library(library, out, with_logo, jobs=0)
    logo.write_bytes(b"\x89PNG second")
    counting = Counting()
    build_library(library, out, with_logo, executor=counting)
    assert len(counting.jobs) == 5  # every page's key changed, the remembered refusals' too
