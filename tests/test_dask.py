"""`leaflets build` on a Dask LocalCluster (2 worker processes) started inside the test."""

from __future__ import annotations

import os
import shutil
import signal

import pytest
from conftest import BASE_URL, ROOT
from distributed import Client, LocalCluster

from leaflets import Settings
from leaflets.build import build_library
from leaflets.dask_executor import DaskExecutor


@pytest.fixture(scope="module")
def cluster():
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c,
        Client(c) as client,
    ):
        yield c, client


@pytest.fixture
def library(tmp_path):
    src = tmp_path / "content"
    shutil.copytree(ROOT / "content", src)
    (src / "x").mkdir()
    (src / "x/refusal.md").write_text("---\ntitle: R\n---\nI cannot provide that.\n")
    # Identical bytes in two places: their content hashes are equal, their tasks must not be
    # (another name: two pages may not share an online path).
    (src / "copy/b").mkdir(parents=True)
    shutil.copy(src / "b/baclofen.md", src / "copy/b/baclofen-copy.md")
    return src


def settings():
    return Settings(base_url=BASE_URL)


def tree(folder):
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_dask_build_matches_local_byte_for_byte(cluster, library, tmp_path):
    _, client = cluster
    local, remote = tmp_path / "local", tmp_path / "dask"
    build_library(library, local, settings(), jobs=2, sizes=("standard", "large"))
    executor = DaskExecutor(settings(), ("standard", "large"), client=client)
    report = build_library(library, remote, settings(), sizes=("standard", "large"), executor=executor)
    executor.close()
    leaflets = len(list(library.rglob("*.md"))) - 1  # every page but the refusal
    assert report.count("rendered") == leaflets and report.count("refused") == 1
    assert tree(local) == tree(remote)
    # Incremental skips happen on the client: nothing is sent the second time.
    executor = DaskExecutor(settings(), ("standard", "large"), client=client)
    sent = []
    real_submit = client.submit

    def counting(*args, **kwargs):
        sent.append(args)
        return real_submit(*args, **kwargs)

    client.submit = counting
    try:
        again = build_library(library, remote, settings(), sizes=("standard", "large"), executor=executor)
    finally:
        client.submit = real_submit
    # The refusal is remembered with its key too: nothing at all goes to the cluster.
    assert again.count("unchanged") == leaflets and again.count("refused") == 1 and sent == []


def test_killing_a_worker_mid_build_still_reports_every_page(cluster, library, tmp_path):
    c, client = cluster
    pids = [w.process.process.pid for w in c.workers.values()]
    killed = []

    def kill_one(done, total, result):
        if not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    executor = DaskExecutor(settings(), ("standard",), client=client)
    report = build_library(library, tmp_path / "out", settings(), executor=executor, on_progress=kill_one)
    executor.close()
    assert killed
    assert len(report.pages) == len(list(library.rglob("*.md")))
    assert all(p.status in ("rendered", "refused", "failed") for p in report.pages)
    assert all(p.reason for p in report.pages if p.status == "failed")
    rendered = [p for p in report.pages if p.status == "rendered"]
    assert len(rendered) >= 9  # the dead worker's pages are rescheduled or reported, not lost
    for page in rendered:
        assert (tmp_path / "out" / page.outputs[0].path).stat().st_size == page.outputs[0].bytes
    # The nanny restarted it; the cluster is still usable (a warm-up on a loaded machine is slow).
    client.wait_for_workers(2, timeout=240)
