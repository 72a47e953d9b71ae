"""A spoken leaflet: espeak-ng reads the reading order, lame (or ffmpeg) writes MP3, and mutagen
adds ID3 chapters (CHAP/CTOC), one per printed section, with the title, language and revision.

Each chapter is spoken on its own, so its start and end are exact sample counts. The page's
text reaches espeak-ng as SSML with every character escaped: a page can never inject markup
(espeak-ng's ``<audio>`` would read a file). The same input gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from xml.sax.saxutils import escape

from .errors import MissingSystemPackageError, RenderError
from .files import write_atomic
from .model import Leaflet, Personal, Prescription
from .reading import HEADING, ITEM, Reading, reading_order, summary_reading
from .settings import Settings

SAMPLE_RATE = 22050  # espeak-ng's output: 16-bit mono
BITRATE_KBPS = 48  # constant bitrate: chapter times and seeking stay exact in every player
#: Pauses, in milliseconds, after a heading, a list item, a paragraph, and at a chapter's end.
PAUSE = {HEADING: 700, ITEM: 600, "para": 400, "chapter": 900}


@dataclass(frozen=True)
class Chapter:
    title: str
    #: What is spoken, in order: (kind, text).
    speech: tuple[tuple[str, str], ...]

    def ssml(self, lang: str) -> str:
        body = []
        for kind, text in self.speech:
            body.append(f'<s>{escape(text)}</s><break time="{PAUSE[kind]}ms"/>')
        body.append(f'<break time="{PAUSE["chapter"]}ms"/>')
        return f'<speak xml:lang="{escape(lang)}">{"".join(body)}</speak>'

    @property
    def words(self) -> int:
        return sum(len(re.findall(r"[^\W_]+", text)) for _, text in self.speech)


def chapters(reading: Reading) -> list[Chapter]:
    """One chapter per printed section that has text, in print order, its heading spoken first.
    Text printed under the title (generic name, an introduction) is the first chapter's."""
    out: list[Chapter] = [Chapter(reading.title, ((HEADING, reading.title),))]
    for part in reading.parts:
        lines = tuple((line.kind, line.text) for line in part.lines if line.text)
        if not part.title:
            last = out[-1]
            out[-1] = Chapter(last.title, last.speech + lines)
            continue
        if not lines:
            continue  # a heading with nothing under it is no chapter: never a silent one
        title = f"{part.parent}: {part.title}" if part.parent else part.title
        out.append(Chapter(title, ((HEADING, part.title), *lines)))
    return out


# -- espeak-ng ---------------------------------------------------------------------------------


def _run(command: list[str], data: bytes, timeout: float, package: str, what: str) -> bytes:
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise MissingSystemPackageError(f"{command[0]} (for {what})", package) from None
    except subprocess.TimeoutExpired:
        raise RenderError(f"{command[0]} took longer than {timeout:g} s") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"{command[0]} failed: {detail[-1] if detail else f'exit {done.returncode}'}")
    return done.stdout


@functools.lru_cache(maxsize=1)
def voices() -> frozenset[str]:
    """Every language and voice name espeak-ng knows, lowercased (``en``, ``en-gb``, ``fr-fr``)."""
    listing = _run(["espeak-ng", "--voices"], b"", 30, "espeak-ng", "audio").decode("utf-8", "replace")
    names: set[str] = set()
    for row in listing.splitlines()[1:]:
        cells = row.split()
        if len(cells) >= 5:
            names.update({cells[1].lower(), cells[3].lower(), cells[4].lower().rsplit("/", 1)[-1]})
            names.update(c.strip("()").lower() for c in cells[5::2])  # "(en 2)": other languages
    return frozenset(names)


def _primary(lang: str) -> str:
    return lang.replace("_", "-").split("-")[0].lower()


def voice_for(lang: str, settings: Settings) -> str:
    """The espeak-ng voice for a page: ``[audio] voice`` when it speaks the page's language, else
    the page's own language. A language espeak-ng cannot speak is an error that names it."""
    known = voices()
    tag = lang.replace("_", "-").lower()
    configured = settings.audio_voice
    if configured and _primary(configured.split("+")[0]) == _primary(tag):
        if configured.split("+")[0].lower() not in known:
            raise RenderError(f"[audio] voice {configured!r} is not an espeak-ng voice (espeak-ng --voices)")
        return configured
    for candidate in (tag, _primary(tag)):
        if candidate in known:
            return candidate
    raise RenderError(f"espeak-ng has no voice for the language {language_name(lang)} ({lang!r})")


def language_name(lang: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(lang.replace("-", "_")).get_display_name("en") or lang
    except (ValueError, UnknownLocaleError):
        return lang


def speak(ssml: str, voice: str, rate: int, timeout: float) -> bytes:
    """SSML → 16-bit mono PCM at SAMPLE_RATE, from espeak-ng's WAV on stdout."""
    command = ["espeak-ng", "-b", "1", "-m", "-v", voice, "-s", str(rate), "--stdout"]
    return _pcm(_run(command, ssml.encode("utf-8"), timeout, "espeak-ng", "audio"))


def _pcm(wav: bytes) -> bytes:
    """The samples of a streamed WAV (its sizes are placeholders): check the format, take the rest."""
    if wav[:4] != b"RIFF" or wav[8:12] != b"WAVE":
        raise RenderError("espeak-ng did not write a WAV stream")
    offset = 12
    while offset + 8 <= len(wav):
        chunk, size = wav[offset : offset + 4], struct.unpack("<I", wav[offset + 4 : offset + 8])[0]
        if chunk == b"fmt ":
            channels, rate = struct.unpack("<HI", wav[offset + 10 : offset + 16])
            bits = struct.unpack("<H", wav[offset + 22 : offset + 24])[0]
            if (channels, rate, bits) != (1, SAMPLE_RATE, 16):
                raise RenderError(f"espeak-ng wrote {channels} channel(s) at {rate} Hz, {bits} bit")
        elif chunk == b"data":
            data = wav[offset + 8 :]
            return data[: len(data) // 2 * 2]
        offset += 8 + size
    raise RenderError("espeak-ng wrote no audio")


# -- MP3 and chapters --------------------------------------------------------------------------


def encode_mp3(pcm: bytes, timeout: float) -> bytes:
    """Constant-bitrate mono MP3 with lame, or with ffmpeg's libmp3lame when lame is missing."""
    if not shutil.which("lame") and not shutil.which("ffmpeg"):
        raise MissingSystemPackageError("lame (for MP3 audio)", "lame")
    if shutil.which("lame"):
        raw = ["-r", "-s", f"{SAMPLE_RATE / 1000:g}", "--bitwidth", "16", "--signed", "--little-endian"]
        command = ["lame", "--quiet", *raw, "-m", "m", "-b", str(BITRATE_KBPS), "-q", "7", "-", "-"]
        return _run(command, pcm, timeout, "lame", "MP3 audio")
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "s16le", "-ar", str(SAMPLE_RATE)]
    command += ["-ac", "1", "-i", "-", "-c:a", "libmp3lame", "-b:a", f"{BITRATE_KBPS}k"]
    command += ["-map_metadata", "-1", "-fflags", "+bitexact", "-write_xing", "0", "-id3v2_version", "0"]
    return _run([*command, "-f", "mp3", "-"], pcm, timeout, "ffmpeg", "MP3 audio")


def tag(mp3: bytes, reading: Reading, timed: list[tuple[str, int, int]], settings: Settings) -> bytes:
    """ID3v2.3 tags: title, language (ISO 639-2), revision, the online address, and chapters."""
    import langcodes
    from mutagen.id3 import CHAP, CTOC, ID3, TCON, TIT2, TLAN, TPUB, TXXX, WXXX, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=1, text=[reading.title]))
    tags.add(TLAN(encoding=1, text=[langcodes.Language.get(reading.lang).to_alpha3()]))
    tags.add(TCON(encoding=1, text=["Speech"]))
    tags.add(TXXX(encoding=1, desc="revision", text=[reading.revision]))
    tags.add(TXXX(encoding=1, desc="source", text=[reading.source or reading.trace]))
    if settings.pharmacy.name:
        tags.add(TPUB(encoding=1, text=[settings.pharmacy.name]))
    if reading.url:
        tags.add(WXXX(encoding=0, desc="online version", url=reading.url))
    ids = [f"chp{n}" for n in range(len(timed))]
    for element, (title, start, end) in zip(ids, timed, strict=True):
        tags.add(
            CHAP(
                element_id=element,
                start_time=start,
                end_time=end,
                sub_frames=[TIT2(encoding=1, text=[title])],
            )
        )
    flags = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    tags.add(CTOC(element_id="toc", flags=flags, child_element_ids=ids, sub_frames=[]))
    buffer = io.BytesIO(mp3)
    tags.save(buffer, v2_version=3, padding=lambda info: 0)
    return buffer.getvalue()


def mp3_bytes(leaflet: Leaflet, settings: Settings, personal: Personal | None = None) -> tuple[bytes, int]:
    """The spoken leaflet as MP3 bytes, and its number of chapters."""
    reading = reading_order(leaflet, settings, personal)
    return _record(reading, [(reading, chapters(reading))], settings)


def prescription_mp3(leaflets: list[Leaflet], rx: Prescription, settings: Settings) -> tuple[bytes, int]:
    """A prescription as one MP3: the summary first (directions as typed), then each
    personalised leaflet in its own voice, each chapter titled with its medicine."""
    from .prescription import long_date, summary_lang, title

    lang = summary_lang(rx, leaflets)
    rows = [(leaflet, item, None) for leaflet, item in zip(leaflets, rx.items, strict=True)]
    summary = summary_reading(rows, rx, lang, title(rx, lang), long_date(rx.date, lang))
    spoken = [(summary, chapters(summary))]
    for leaflet, item in zip(leaflets, rx.items, strict=True):
        reading = reading_order(leaflet, settings, rx.personal(item))
        first, *rest = chapters(reading)  # the leaflet's title, then its sections under its name
        named = [replace(c, title=f"{reading.title}: {c.title}") for c in rest]
        spoken.append((reading, [first, *named]))
    return _record(summary, spoken, settings)


def _record(
    about: Reading, spoken: list[tuple[Reading, list[Chapter]]], settings: Settings
) -> tuple[bytes, int]:
    """Speak each reading's chapters in its language's voice, encode once, tag as ``about``."""
    pcm = bytearray()
    timed: list[tuple[str, int, int]] = []
    for reading, parts in spoken:
        try:
            voice = voice_for(reading.lang, settings)
        except RenderError as exc:  # say which medicine has no voice
            raise type(exc)(f"{reading.title}: {exc}") from None
        for chapter in parts:
            start = len(pcm) // 2 * 1000 // SAMPLE_RATE
            pcm += speak(chapter.ssml(reading.lang), voice, settings.audio_rate, settings.render_timeout)
            timed.append((chapter.title, start, len(pcm) // 2 * 1000 // SAMPLE_RATE))
    mp3 = encode_mp3(bytes(pcm), settings.render_timeout)
    return tag(mp3, about, timed, settings), len(timed)


def write_mp3(
    leaflet: Leaflet, target: str | Path, settings: Settings, personal: Personal | None = None
) -> tuple[Path, int]:
    data, count = mp3_bytes(leaflet, settings, personal)
    return write_atomic(data, target), count


@functools.lru_cache(maxsize=1)
def tool_versions() -> str:
    """The versions of espeak-ng and the MP3 encoder, for the build hash. Running them proves they
    are installed: a missing one is an error naming its package."""
    voices()
    speech = _run(["espeak-ng", "--version"], b"", 30, "espeak-ng", "audio").decode("utf-8", "replace")
    if shutil.which("lame"):
        encoder = _run(["lame", "--version"], b"", 30, "lame", "MP3 audio")
    elif shutil.which("ffmpeg"):
        encoder = _run(["ffmpeg", "-version"], b"", 30, "ffmpeg", "MP3 audio")
    else:
        raise MissingSystemPackageError("lame (for MP3 audio)", "lame")
    first = encoder.decode("utf-8", "replace").strip().splitlines()[:1]
    return f"{speech.split(' Data at')[0].strip()}; {first[0] if first else ''}"
