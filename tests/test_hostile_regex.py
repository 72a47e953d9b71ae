"""Issue 13 §1: no regular expression in the package backtracks without bound.

Every pattern in the package is collected: module-level compiled patterns (also inside lists
and dicts) and every literal pattern passed to ``re.search``, ``re.sub`` … inside functions
(read from the source with ``ast``, so a new pattern is tested the day it is written). Each
one is fed adversarial inputs built from its own words and characters (repeated, with and
without separators, ending in a character that makes the match fail) and from the characters
hostile pages use, at growing lengths. Doubling the input may at most triple the time
(``tests/timing.py`` measures it robustly on a loaded machine); an exponential pattern stops at
the first size that takes too long.
"""

from __future__ import annotations

import ast
import importlib
import random
import re
from functools import partial
from pathlib import Path

import pytest
import timing

from leaflets import limits
from leaflets.html_scan import list_items, split_markup
from leaflets.labels import bracketed, without_bracketed

PACKAGE = Path(__file__).resolve().parent.parent / "leaflets"
GENERIC_UNITS = [
    " ",
    "\n",
    "a",
    "a ",
    "*",
    "**",
    "*a",
    "_",
    "<",
    "<a",
    "<p>",
    "(",
    "(a",
    "[",
    "[a",
    ":",
    ".",
    "a.",
    "-",
    "1",
    "Q",
    "?",
    "a\n",
    "\t",
    "&",
    "#",
    "'",
    "A ",
    "a, ",
]
#: Input lengths: doubling from 256 to 8,192 characters; a quadratic pattern takes milliseconds
#: by the last steps, far above timer noise.
SIZES = [256 * 2**k for k in range(6)]
#: Patterns the package only ever uses with ``match()`` at one position, each attempt starting
#: where the last ended (``limits`` counts list markers and block starts on one line): timed
#: the same way, since ``finditer`` would try them from every position, which nothing does.
MATCH_ONLY = {limits._MARKERS.pattern, limits._BLOCK_START.pattern}


def _compiled_in(value, found, where):
    if isinstance(value, re.Pattern):
        found.append((where, value))
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _compiled_in(item, found, where)
    elif isinstance(value, dict):
        for item in value.values():
            _compiled_in(item, found, where)


_FLAG_NAMES = {
    "I": re.I,
    "IGNORECASE": re.I,
    "S": re.S,
    "DOTALL": re.S,
    "M": re.M,
    "MULTILINE": re.M,
    "X": re.X,
    "VERBOSE": re.X,
}


def _flags(node) -> int:
    if isinstance(node, ast.Attribute) and node.attr in _FLAG_NAMES:
        return _FLAG_NAMES[node.attr]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    return 0


def _literal_patterns(path: Path) -> list[tuple[str, re.Pattern]]:
    """Patterns written as string literals in ``re.<function>(...)`` calls."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
            continue
        if node.func.attr not in {
            "compile",
            "search",
            "match",
            "fullmatch",
            "sub",
            "subn",
            "split",
            "findall",
            "finditer",
        }:
            continue
        if (
            not node.args
            or not isinstance(node.args[0], ast.Constant)
            or not isinstance(node.args[0].value, str)
        ):
            continue
        flags = next((_flags(k.value) for k in node.keywords if k.arg == "flags"), 0)
        if (
            node.func.attr in ("compile", "search", "match", "fullmatch", "findall", "finditer")
            and len(node.args) > 1
        ):
            flags |= _flags(node.args[1])
        found.append((f"{path.stem}:{node.lineno}", re.compile(node.args[0].value, flags)))
    return found


def all_patterns() -> list[tuple[str, re.Pattern]]:
    found: list[tuple[str, re.Pattern]] = []
    for path in sorted(PACKAGE.glob("*.py")):
        module = importlib.import_module(f"leaflets.{path.stem}") if path.stem != "__main__" else None
        for name, value in vars(module).items() if module else ():
            if not name.startswith("__"):
                _compiled_in(value, found, f"{path.stem}.{name}")
        found += _literal_patterns(path)
    unique = {}
    for where, pattern in found:
        unique.setdefault((pattern.pattern, pattern.flags), (where, pattern))
    return sorted(unique.values(), key=lambda item: item[0])


def _words(pattern: re.Pattern) -> list[str]:
    """Literal runs and one member of each character class in the pattern, from its parse tree."""
    parser = getattr(re, "_parser", None)
    try:
        tree = parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # a pattern the parser module cannot read is still tested generically
        return []
    words: list[str] = []
    run: list[str] = []

    def flush():
        if run:
            words.append("".join(run))
            run.clear()

    def walk(items):
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                run.append(chr(arg))
                continue
            flush()
            if name == "IN":
                for kind, value in arg:
                    if str(kind) == "LITERAL":
                        words.append(chr(value))
                        break
                    if str(kind) == "RANGE":
                        words.append(chr(value[0]))
                        break
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                walk(arg[2])
            elif name == "SUBPATTERN":
                walk(arg[-1])
            elif name == "BRANCH":
                for branch in arg[1]:
                    walk(branch)
                    flush()
            elif name in ("ASSERT", "ASSERT_NOT"):
                walk(arg[1])
        flush()

    walk(tree)
    return list(dict.fromkeys(w for w in words if w))[:8]


def pumps(pattern: re.Pattern) -> list[str]:
    units = []
    for word in _words(pattern):
        units += [word, word + " "]
    words = _words(pattern)
    if len(words) > 1:
        units.append(" ".join(words[:6]) + " ")
    return list(dict.fromkeys(units + GENERIC_UNITS))


def _scan(pattern: re.Pattern, subject) -> None:
    if pattern.pattern in MATCH_ONLY:
        # Successive match() calls, each where the last one ended, as the module uses it.
        pos = 0
        while (match := pattern.match(subject, pos)) and match.end() > pos:
            pos = match.end()
        return
    for _ in pattern.finditer(subject):
        pass
    pattern.match(subject)


def _work(pattern: re.Pattern, text: str):
    # A bytes pattern (the SPL reader's) is timed on the same text as bytes.
    subject = text.encode("utf-8", "surrogatepass") if isinstance(pattern.pattern, bytes) else text
    return partial(_scan, pattern, subject)


def _text(unit: str, size: int, suffix: str) -> str:
    return (unit * (size // len(unit) + 1))[:size] + suffix


def growth_problem(pattern: re.Pattern, unit: str, suffix: str) -> str | None:
    """None when the time grows at most threefold per doubling, else what went wrong.

    First the unit is repeated 1, 2, 3 … 40 times: an exponential pattern doubles its time with
    each repeat and passes ``timing.CEILING`` within a step or two, long before it could hang the
    test. Then the length doubles from 256 to 8,192 characters (``timing.growth_problem``: a
    step that looks too steep is measured again, carefully, before it counts)."""
    for count in range(1, 41):
        if (spent := timing.too_slow(_work(pattern, unit * count + suffix))) is not None:
            return f"{spent:.2f} s on {count} repeats of {unit!r}+{suffix!r}"
    return timing.growth_problem(
        lambda size: _work(pattern, _text(unit, size, suffix)),
        SIZES,
        describe=lambda size: f"{size:,} characters of {unit!r}+{suffix!r}",
    )


PATTERNS = all_patterns()


def test_the_collection_finds_the_patterns_of_every_kind():
    wheres = [w for w, _ in PATTERNS]
    assert len(PATTERNS) > 40
    assert any(w.startswith("limits.") for w in wheres)  # module level
    assert any(":" in w for w in wheres)  # literal, inside a function
    assert any(w.endswith(".SECTION_PATTERNS") for w in wheres)  # inside a tuple


@pytest.mark.parametrize(("where", "pattern"), PATTERNS, ids=[where for where, _ in PATTERNS])
def test_pattern_time_grows_about_linearly(where, pattern):
    problems = []
    for unit in pumps(pattern):
        for suffix in ("", "\x00"):
            if (problem := growth_problem(pattern, unit, suffix)) is not None:
                problems.append(problem)
                break
    assert not problems, f"{where} /{pattern.pattern}/: " + "; ".join(problems[:3])


def test_the_timing_check_catches_backtracking():
    """The test above bites: a nested quantifier (exponential) and a scan-to-the-end per start
    (quadratic) are both caught."""
    assert growth_problem(re.compile(r"^(a+)+$"), "a", "\x00") is not None
    assert growth_problem(re.compile(r"\s*x"), " ", "") is not None
    assert growth_problem(re.compile(r"(?<!\s)\s*x"), " ", "") is None


# -- brackets: the one scan that replaced four quadratic patterns -----------------------------------

_BRACKET_REGEXES = [
    (re.compile(r"\([^)]*\)|\[[^\]]*\]"), {}),
    (re.compile(r"\(.*?\)|\[.*?\]"), {"same_line": True}),
    (re.compile(r"\(.*?\)"), {"pairs": "()", "same_line": True}),
    (re.compile(r"\([^)]*\)"), {"pairs": "()"}),
]


@pytest.mark.parametrize(("regex", "options"), _BRACKET_REGEXES, ids=lambda x: getattr(x, "pattern", ""))
def test_brackets_are_found_where_the_regex_finds_them(regex, options):
    """``labels.bracketed`` stands in for these patterns: the same spans on every string of
    brackets, letters, spaces and newlines tried (20,000 of them, up to 30 characters)."""
    rng = random.Random(13)
    for _ in range(20_000):
        text = "".join(rng.choice("()[]a \n") for _ in range(rng.randint(0, 30)))
        assert bracketed(text, **options) == [m.span() for m in regex.finditer(text)], repr(text)
    assert without_bracketed("Rash (mild) [rare] (x", **options) == regex.sub(
        "_", "Rash (mild) [rare] (x"
    ).replace("_", " ")


@pytest.mark.parametrize("unit", ["(", "(a", "[", "([", "(\n", "(a)"])
@pytest.mark.parametrize("same_line", [False, True])
def test_bracket_scan_time_grows_about_linearly(unit, same_line):
    """Where the patterns rescanned the rest of the text from every unclosed bracket."""
    problem = timing.growth_problem(
        lambda size: partial(bracketed, _text(unit, size, "]"), same_line=same_line),
        SIZES,
        describe=lambda size: f"{size:,} characters of {unit!r}",
    )
    assert problem is None, problem


class _Counted(str):
    """A text that counts the characters its ``find`` calls look at."""

    looked = 0

    def find(self, sub, start=0, *args):
        found = str.find(self, sub, start, *args)
        _Counted.looked += (len(self) if found == -1 else found + 1) - start
        return found


@pytest.mark.parametrize("unit", ["(", "(a", "[", "([", "(\n", "(a)", "a"])
@pytest.mark.parametrize("same_line", [False, True])
def test_the_bracket_scan_looks_at_each_character_a_bounded_number_of_times(unit, same_line):
    """Linear by construction, not only by the clock (a rescan per bracket is C-fast, and hides
    behind the loop's own cost at sizes a test can time): five searches at most (two openers,
    two closers, the newline), each remembered until the scan passes what it found."""
    text = _Counted(_text(unit, 20_000, "]"))
    _Counted.looked = 0
    bracketed(text, same_line=same_line)
    assert _Counted.looked <= 5 * len(text) + 5, f"{_Counted.looked:,} characters looked at"


# -- HTML scans: list items, and tags and entities apart from text ----------------------------------

#: The two patterns ``html_scan`` replaced: quadratic on a ``<`` or ``<li`` that nothing closes.
_LI_REGEX = re.compile(r"<li\b[^>]*>(.*?)</li>", re.S)
_MARKUP_REGEX = re.compile(r"(<[^>]*>|&[#\w]+;)")
_HTML_PIECES = [
    "<li",
    "<li>",
    "<li class=a>",
    "</li>",
    "<lix>",
    "<li_",
    "<ul>",
    "</ul>",
    "<",
    ">",
    "/",
    "&",
    "&amp;",
    "&#1;",
    "&a",
    ";",
    "#",
    "a",
    "é",
    " ",
    "\n",
    "_",
]


def test_list_items_and_markup_are_cut_where_the_regexes_cut_them():
    """``html_scan`` gives the regexes' own results on every string of tag pieces, entities,
    letters and spaces tried (20,000 of them, up to 20 pieces), and on a real nested list."""
    rng = random.Random(13)
    for _ in range(20_000):
        text = "".join(rng.choice(_HTML_PIECES) for _ in range(rng.randint(0, 20)))
        assert list_items(text) == _LI_REGEX.findall(text), repr(text)
        assert split_markup(text) == _MARKUP_REGEX.split(text), repr(text)
    nested = '<ul><li>Kwell<ul><li>G-Well</li></ul></li><li lang="en">Lindane &amp; co</li></ul>'
    assert list_items(nested) == ["Kwell<ul><li>G-Well", "Lindane &amp; co"]
    assert split_markup("<p>4&nbsp;g</p>") == ["", "<p>", "4", "&nbsp;", "g", "</p>", ""]


@pytest.mark.parametrize("unit", ["<", "<li", "<li>", "<li><", "<a", "&", "&a", "<&a"])
@pytest.mark.parametrize("scan", [list_items, split_markup], ids=["list_items", "split_markup"])
def test_html_scan_time_grows_about_linearly(scan, unit):
    """Where the patterns scanned to the end again from every ``<`` (or ``<li``) with no ``>``
    (or ``</li>``) after it."""
    problem = timing.growth_problem(
        lambda size: partial(scan, _text(unit, size, "")),
        SIZES,
        describe=lambda size: f"{size:,} characters of {unit!r}",
    )
    assert problem is None, problem


@pytest.mark.parametrize("unit", ["<li", "<li>", "<li><li", "<lix", "<", "<a", "<>", "a"])
@pytest.mark.parametrize("scan", [list_items, split_markup], ids=["list_items", "split_markup"])
def test_the_html_scans_look_at_each_character_a_bounded_number_of_times(scan, unit):
    """Linear by construction, not only by the clock (a rescan per ``<`` is C-fast, and hides
    behind the loop's own cost at sizes a test can time): the searches for ``<li``, ``>`` and
    ``</li>`` each move forward, and one that finds nothing is not made again."""
    text = _Counted(_text(unit, 20_000, ""))
    _Counted.looked = 0
    scan(text)
    assert _Counted.looked <= 3 * len(text) + 5, f"{_Counted.looked:,} characters looked at"
