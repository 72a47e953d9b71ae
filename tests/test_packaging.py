"""The wheel carries its templates and styles: an installed leaflets renders without a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_ships_templates_and_styles(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("leaflets-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "leaflets/_data/templates/leaflet.html",
        "leaflets/_data/styles/base.css",
        "leaflets/_data/styles/print.css",
        "leaflets/_data/styles/large.css",
    ):
        assert needed in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r})\n"
        "import leaflets, leaflets.assets as a\n"
        "from leaflets.reader import parse_page\n"
        "from leaflets.render import render_html\n"
        "pkg = str(__import__('pathlib').Path(leaflets.__file__).parent)\n"
        "assert str(a.templates_dir()).startswith(pkg), a.templates_dir()\n"
        "page = b'---\\ntitle: W\\n---\\n**Usage:** u.\\n'\n"
        "html = render_html(parse_page(page, 'w.md'), inline_css=True)\n"
        "assert '--body-size' in html and '<h1' in html\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.stdout.strip() == "ok", proc.stderr
