"""The Dutch analyser is shared by the API's request threads: stemming from many threads at once gives the
stems one thread gives (a shared Snowball stemmer made /search fail with IndexError under 8 clients)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from kb_core.text import analysis

WORDS = [
    f"{stem}{suffix}"
    for stem in ("huiselijk", "geweld", "kindermishandeling", "gemeente", "aanpak", "veiligheid", "regio")
    for suffix in ("", "en", "heden", "elijke", "ingen", "s", "tje", "achtig")
]


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_stemming_from_many_threads_at_once() -> None:
    expected = {w: str(analysis._stemmer().stemWord(w)) for w in WORDS}
    failures: list[str] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        for _ in range(40):
            for word in WORDS:
                try:
                    got = str(analysis._stemmer().stemWord(word))
                except IndexError as exc:
                    failures.append(f"{word}: {exc!r}")
                    continue
                if got != expected[word]:
                    failures.append(f"{word}: {got} != {expected[word]}")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
