"""Audio: MP3s checked with ffprobe and ffmpeg (durations, chapters, tags, samples) and mutagen."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, require

from leaflets import read_page
from leaflets.audio import PAUSE, Chapter, chapters, mp3_bytes, voices
from leaflets.cli import cli
from leaflets.errors import ConfigError, RenderError
from leaflets.i18n import texts
from leaflets.reading import reading_order
from leaflets.render import render_html
from leaflets.settings import load_settings

FORMATS = FIXTURES / "formats"
BACLOFEN = ROOT / "content" / "b" / "baclofen.md"
OTHERS = [
    ROOT / "content" / p for p in ("i/ibuprofen.md", "m/metformin.md", "a/amoxicillin-clavulanic-acid.md")
]


def probe(data: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "probe.mp3"
    path.write_bytes(data)
    out = subprocess.run(
        [require("ffprobe"), "-v", "error", "-show_format", "-show_chapters", "-of", "json", str(path)],
        capture_output=True,
        check=True,
    ).stdout
    info = json.loads(out)
    info["chapters"].sort(key=lambda c: float(c["start_time"]))
    return info


def samples(data: bytes) -> bytes:
    """Decoded 16-bit mono samples, through ffmpeg: compares audio, whatever the container says."""
    return subprocess.run(
        [require("ffmpeg"), "-v", "error", "-i", "-", "-f", "s16le", "-ac", "1", "-"],
        input=data,
        capture_output=True,
        check=True,
    ).stdout


def print_headings(path: Path, settings) -> list[str]:
    html = render_html(read_page(path, settings), settings)
    main = re.sub(r"<svg\b.*?</svg>", "", html.split("<main>", 1)[1].split("</main>", 1)[0], flags=re.S)
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", main, re.S)]


@pytest.fixture(scope="module")
def baclofen(settings):
    return mp3_bytes(read_page(BACLOFEN, settings), settings)[0]


def predicted_seconds(path: Path, settings) -> float:
    parts = chapters(reading_order(read_page(path, settings), settings))
    words = sum(c.words for c in parts)
    pauses = sum(PAUSE[kind] for c in parts for kind, _ in c.speech) + PAUSE["chapter"] * len(parts)
    return words / settings.audio_rate * 60 + pauses / 1000


def test_duration_matches_words_and_rate(baclofen, settings, tmp_path):
    info = probe(baclofen, tmp_path)
    duration = float(info["format"]["duration"])
    expected = predicted_seconds(BACLOFEN, settings)
    assert 0.8 * expected <= duration <= 1.25 * expected, (duration, expected)


def test_one_chapter_per_section_in_print_order(baclofen, settings, tmp_path):
    info = probe(baclofen, tmp_path)
    titles = [c["tags"]["title"] for c in info["chapters"]]
    assert titles == ["Baclofen", *print_headings(BACLOFEN, settings)]
    assert titles[1:3] == ["Usage", "Serious side effects"]
    # Chapters follow one another without a gap and cover the whole file.
    ends = [(float(c["start_time"]), float(c["end_time"])) for c in info["chapters"]]
    assert ends[0][0] == 0 and all(a[1] == b[0] for a, b in itertools.pairwise(ends))
    assert abs(ends[-1][1] - float(info["format"]["duration"])) < 0.5


def test_table_of_contents_and_tags(baclofen, settings):
    from mutagen.id3 import ID3

    tags = ID3(io.BytesIO(baclofen))
    toc = tags.getall("CTOC")[0]
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chaps[e] for e in toc.child_element_ids]
    assert [c.start_time for c in ordered] == sorted(c.start_time for c in ordered)
    assert ordered[1].sub_frames["TIT2"].text == ["Usage"]
    assert str(tags["TIT2"]) == "Baclofen" and str(tags["TLAN"]) == "eng"
    leaflet = read_page(BACLOFEN, settings)
    assert tags.getall("TXXX:revision")[0].text == [leaflet.revision]
    assert tags.getall("WXXX")[0].url.endswith("/composition/b/baclofen.html")


def test_language_tag_and_voice_follow_the_page(settings, tmp_path):
    data = mp3_bytes(read_page(FIXTURES / "lang" / "exemplol-fr.md", settings), settings)[0]
    info = probe(data, tmp_path)
    assert info["format"]["tags"]["language"] == "fra"
    assert [c["tags"]["title"] for c in info["chapters"]][1:3] == ["Utilisation", texts("fr")["serious"]]


def test_same_input_gives_the_same_bytes(settings):
    leaflet = read_page(FORMATS / "empty-section.md", settings)
    first, second = mp3_bytes(leaflet, settings)[0], mp3_bytes(leaflet, settings)[0]
    assert first == second
    assert samples(first) == samples(second)


def test_no_silent_chapter(settings, tmp_path):
    data = mp3_bytes(read_page(FORMATS / "empty-section.md", settings), settings)[0]
    info = probe(data, tmp_path)
    titles = [c["tags"]["title"] for c in info["chapters"]]
    assert "How it Works" not in titles and "Usage" in titles and "Side Effects" in titles
    pcm = samples(data)
    for chapter in info["chapters"]:
        start = int(float(chapter["start_time"]) * 22050) * 2
        end = int(float(chapter["end_time"]) * 22050) * 2
        values = struct.unpack(
            f"<{(end - start) // 2}h", pcm[start : start - (end - start) % 2 + end - start]
        )
        loud = sum(abs(v) > 1000 for v in values)
        assert loud > 0.05 * len(values), chapter["tags"]["title"]  # speech, not silence


def test_rate_and_voice_from_settings(settings, tmp_path):
    leaflet = read_page(FORMATS / "empty-section.md", settings)
    slow = float(
        probe(mp3_bytes(leaflet, settings.replace(audio_rate=120))[0], tmp_path)["format"]["duration"]
    )
    fast = float(
        probe(mp3_bytes(leaflet, settings.replace(audio_rate=300))[0], tmp_path)["format"]["duration"]
    )
    assert fast < 0.7 * slow
    us = mp3_bytes(leaflet, settings.replace(audio_voice="en-us"))[0]
    assert samples(us) != samples(mp3_bytes(leaflet, settings)[0])
    with pytest.raises(RenderError, match="not an espeak-ng voice"):
        mp3_bytes(leaflet, settings.replace(audio_voice="en-nowhere"))
    config = tmp_path / "leaflets.toml"
    config.write_text('[audio]\nrate = 200\nvoice = "en-gb"\n')
    assert (load_settings(config).audio_rate, load_settings(config).audio_voice) == (200, "en-gb")
    config.write_text("[audio]\nrate = 20\n")
    with pytest.raises(ConfigError, match=r"\[audio\] rate"):
        load_settings(config)


def test_language_without_a_voice_is_named(settings, tmp_path):
    assert "ps" not in voices() and "so" not in voices()
    with pytest.raises(RenderError, match=r"no voice for the language Pashto \('ps'\)"):
        mp3_bytes(read_page(FORMATS / "pashto.md", settings), settings)
    result = CliRunner().invoke(
        cli, ["render", str(FORMATS / "pashto.md"), "--format", "audio", "-o", str(tmp_path / "p.mp3")]
    )
    assert result.exit_code == 1 and "Pashto" in result.output and "Traceback" not in result.output


def test_page_text_cannot_inject_ssml():
    chapter = Chapter("x", (("para", 'Take <audio src="/etc/passwd"/> & <break time="9s"/> now'),))
    ssml = chapter.ssml("en")
    assert "<audio" not in ssml and "&lt;audio" in ssml and ssml.count("<break") == 2


def test_missing_espeak_is_a_clear_error_and_pdf_still_works(tmp_path, monkeypatch):
    voices.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    try:
        args = ["render", str(BACLOFEN), "--config", str(ROOT / "leaflets.toml")]
        result = CliRunner().invoke(cli, [*args, "--format", "audio", "-o", str(tmp_path / "x.mp3")])
        assert result.exit_code == 2, result.output
        assert "espeak-ng" in result.output and "install" in result.output
        assert "Traceback" not in result.output and not (tmp_path / "x.mp3").exists()
        result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "x.pdf")])
        assert result.exit_code == 0 and (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    finally:
        voices.cache_clear()


@pytest.mark.parametrize("path", OTHERS, ids=lambda p: p.stem)
def test_sample_pages_speak(settings, tmp_path, path):
    info = probe(mp3_bytes(read_page(path, settings), settings)[0], tmp_path)
    titles = [c["tags"]["title"] for c in info["chapters"]]
    assert titles[1:] == print_headings(path, settings)
    expected = predicted_seconds(path, settings)
    assert 0.8 * expected <= float(info["format"]["duration"]) <= 1.25 * expected


def test_build_formats_incremental_per_format(tmp_path):
    from leaflets.build import build_library
    from leaflets.settings import Settings

    content = tmp_path / "content" / "h"
    content.mkdir(parents=True)
    (content / "hollowol.md").write_bytes((FORMATS / "empty-section.md").read_bytes())
    out = tmp_path / "dist"
    s = Settings(base_url="https://example.org")
    build_library(tmp_path / "content", out, s, jobs=1)
    pdf = out / "h" / "hollowol.pdf"
    first = pdf.stat().st_mtime_ns
    # Adding braille and audio makes only those: the PDF is kept, not rendered again.
    report = build_library(tmp_path / "content", out, s, jobs=1, formats=("pdf", "brf", "audio"), html=True)
    assert report.ok and pdf.stat().st_mtime_ns == first
    manifest = json.loads((out / "manifest.json").read_text())
    outputs = {o["size"]: o for o in manifest["pages"][0]["outputs"]}
    assert set(outputs) == {"standard", "brf", "audio", "html"}
    for o in outputs.values():
        data = (out / o["path"]).read_bytes()
        assert o["sha256"] == hashlib.sha256(data).hexdigest() and o["bytes"] == len(data)
    assert outputs["audio"]["path"] == "h/hollowol.mp3" and outputs["brf"]["path"] == "h/hollowol.brf"
    page = (out / outputs["html"]["path"]).read_text()
    assert 'href="../../h/hollowol.brf"' in page and 'href="../../h/hollowol.mp3"' in page
    brf, mp3 = (
        (out / "h" / "hollowol.brf").stat().st_mtime_ns,
        (out / "h" / "hollowol.mp3").stat().st_mtime_ns,
    )
    # A change to [audio] remakes the audio alone.
    report = build_library(
        tmp_path / "content",
        out,
        s.replace(audio_rate=200),
        jobs=1,
        formats=("pdf", "brf", "audio"),
        html=True,
    )
    assert report.ok and report.count("rendered") == 1
    assert pdf.stat().st_mtime_ns == first and (out / "h" / "hollowol.brf").stat().st_mtime_ns == brf
    assert (out / "h" / "hollowol.mp3").stat().st_mtime_ns != mp3
    # Nothing changed: nothing is made.
    report = build_library(
        tmp_path / "content",
        out,
        s.replace(audio_rate=200),
        jobs=1,
        formats=("pdf", "brf", "audio"),
        html=True,
    )
    assert report.count("unchanged") == 1
    # A build that does not ask for audio leaves the audio alone, as it does the site pages.
    build_library(tmp_path / "content", out, s, jobs=1, formats=("pdf", "brf"))
    assert (out / "h" / "hollowol.mp3").stat().st_mtime_ns != mp3 and pdf.stat().st_mtime_ns == first
    manifest = json.loads((out / "manifest.json").read_text())
    assert "audio" in {o["size"] for o in manifest["pages"][0]["outputs"]}


def test_build_without_espeak_stops_naming_the_package(tmp_path, monkeypatch):
    from leaflets.audio import tool_versions

    content = tmp_path / "content"
    content.mkdir()
    (content / "hollowol.md").write_bytes((FORMATS / "empty-section.md").read_bytes())
    voices.cache_clear()
    tool_versions.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    try:
        args = ["build", str(content), "-o", str(tmp_path / "dist"), "-j", "1", "--formats", "pdf,audio"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2 and "espeak-ng" in result.output and "Traceback" not in result.output
        result = CliRunner().invoke(cli, [*args[:-1], "pdf"])
        assert result.exit_code == 0 and (tmp_path / "dist" / "hollowol.pdf").is_file()
        result = CliRunner().invoke(cli, [*args[:-1], "pdf,tiff"])
        assert result.exit_code == 2 and "--formats" in result.output
    finally:
        voices.cache_clear()
        tool_versions.cache_clear()


def test_a_prescription_speaks_its_summary_then_each_leaflet(settings, tmp_path):
    from mutagen.id3 import ID3
    from test_braille import rx_of

    from leaflets.audio import prescription_mp3

    leaflets, rx = rx_of(settings, patient="Ann Example")
    data, count = prescription_mp3(leaflets, rx, settings)
    tags = ID3(io.BytesIO(data))
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    titles = [chaps[e].sub_frames["TIT2"].text[0] for e in tags.getall("CTOC")[0].child_element_ids]
    assert len(titles) == count
    assert titles[:2] == ["Prescription, 1 December 2026", "Your medicines"]
    # Then each leaflet, in order: its title, then its sections under its name.
    starts = [titles.index(lf.title) for lf in leaflets]
    assert starts == sorted(starts) and starts[0] == 2
    assert titles[starts[1] + 1 : starts[1] + 3] == [
        "Baclofen: Directions from your pharmacist",  # its own label, with the directions
        "Baclofen: Usage",
    ]
    # The patient is spoken, never written in the file's tags.
    assert str(tags["TIT2"]) == "Prescription, 1 December 2026"
    assert not any("Ann Example" in str(frame) for frame in tags.values())
    info = probe(data, tmp_path)
    assert [c["tags"]["title"] for c in info["chapters"]] == titles


def test_the_counter_caches_plain_audio_and_never_a_patients(settings, monkeypatch):
    from urllib.parse import urlencode

    from starlette.testclient import TestClient

    from leaflets import web_pool
    from leaflets.web import create_app

    spoken = []
    real = web_pool._render_alternative

    def counting(fmt, leaflets, *args):
        spoken.append(fmt)
        return real(fmt, leaflets, *args)

    monkeypatch.setattr(web_pool, "_render_alternative", counting)
    app = create_app(ROOT / "content", settings, workers=0)
    here = "http://127.0.0.1:8000"
    with TestClient(app, base_url=here, headers={"Origin": here}) as client:
        app.state.library.wait(60)
        first = client.get("/leaflets/baclofen.mp3")
        again = client.get("/leaflets/baclofen.mp3")
        assert first.status_code == 200, first.text  # names a missing espeak-ng
        assert again.status_code == 200 and first.content == again.content
        assert spoken == ["mp3"]  # spoken once, then from the cache
        assert 'formaction="/leaflets/baclofen.mp3"' in client.get("/leaflets/baclofen").text
        form = urlencode({"patient": "Ann Example", "directions": "One at night"})
        typed = {"content-type": "application/x-www-form-urlencoded"}
        for _ in range(2):
            personal = client.post("/leaflets/baclofen.mp3", content=form, headers=typed)
            assert personal.status_code == 200 and personal.headers["cache-control"] == "no-store"
        assert spoken == ["mp3", "mp3", "mp3"]  # a patient's is spoken each time, never kept
        assert personal.content != first.content
        cache = app.state.renderer.cache
        assert not any(b"Ann Example" in value or "Ann" in str(key) for key, value in cache.items())
        assert len(cache) == 1
