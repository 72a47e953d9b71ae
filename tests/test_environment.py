"""Environment errors: a missing system library is one line naming its package, never a traceback."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

# Make `import weasyprint` fail the way it does on a machine without Pango (cffi's dlopen raises
# OSError), then run the CLI as a user would.
NO_PANGO = """
import sys

class NoPango:
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libgobject-2.0-0'")

sys.meta_path.insert(0, NoPango())
from leaflets.cli import main
sys.argv = ["leaflets", "render", "baclofen", "-o", sys.argv[1]]
main()
"""


def test_missing_pango_is_one_line_naming_the_package(tmp_path):
    out = tmp_path / "baclofen.pdf"
    proc = subprocess.run(
        [sys.executable, "-c", NO_PANGO, str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "libpango-1.0-0" in lines[0]
    assert not out.exists()
