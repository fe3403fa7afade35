"""Serving under load: torch pinned to ``model.torch_threads`` (set in the app's lifespan, and it holds in the
worker threads FastAPI runs the searches in), and at most ``api.max_concurrent_searches`` retrievals at once
(bench/README.md, "Load")."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
import torch
from fastapi.testclient import TestClient

from kb_api.main import create_app
from kb_core.settings import Settings


@pytest.fixture
def restore_threads() -> Iterator[None]:
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def threads_in_a_worker() -> int:
    seen: list[int] = []

    def work() -> None:
        torch.ones(64, 64) @ torch.ones(64, 64)
        seen.append(torch.get_num_threads())

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    return seen[0]


@pytest.mark.usefixtures("restore_threads")
@pytest.mark.parametrize("threads", [1, 2])
def test_the_lifespan_sets_torch_threads_for_the_worker_threads(
    settings_factory: Callable[..., Settings], threads: int
) -> None:
    torch.set_num_threads(3 - threads)  # the other value, so the lifespan has to change it
    settings = settings_factory(torch_threads=threads)
    with TestClient(create_app(settings, auto_ingest=False)) as client:
        assert client.get("/health").status_code == 200
        # A thread that starts after the lifespan (as the request threads do) runs with the setting. (A thread
        # that ran torch before keeps its own OpenMP count: the test's thread, here.)
        assert threads_in_a_worker() == threads


def test_retrievals_beyond_the_bound_wait_their_turn(settings_factory: Callable[..., Settings]) -> None:
    from ingest.store import opened_store
    from kb_api.services import Services

    settings = settings_factory(max_concurrent_searches=1)
    with opened_store(settings) as store:
        services = Services.build(settings, store)
        services.search.warm_up()
        done = threading.Event()

        def search() -> None:
            services.search.search("Welke acties krijgen geen prioriteit?")
            done.set()

        with services.search._slots:  # the one slot is taken
            worker = threading.Thread(target=search)
            worker.start()
            assert not done.wait(1.0)
        assert done.wait(60.0)
        worker.join()
