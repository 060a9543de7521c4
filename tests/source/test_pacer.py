"""The client-side pacer: at most max_rpm request starts in any 60 seconds, bursting after a pause."""

import threading
import time

from sources.langfuse.http import RequestPacer


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_never_more_than_max_rpm_starts_in_any_minute():
    clock = FakeClock()
    pacer = RequestPacer(100, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(350):
        pacer.wait()
        starts.append(clock.now)
        clock.now += 0.05  # each request takes 50 ms
    for i, start in enumerate(starts):
        assert sum(1 for s in starts[i:] if s - start < 60.0) <= 100


def test_time_lost_to_a_pause_is_made_up_by_a_burst():
    clock = FakeClock()
    pacer = RequestPacer(60, clock=clock, sleep=clock.sleep)
    clock.now = 1000.0  # a long load between chunks: no request for a while
    for _ in range(60):
        pacer.wait()
    assert clock.now == 1000.0  # 60 requests at once, none of them waited


def test_no_limit_means_no_waiting():
    clock = FakeClock()
    pacer = RequestPacer(None, clock=clock, sleep=clock.sleep)
    for _ in range(10_000):
        pacer.wait()
    assert clock.now == 0.0


def test_threads_waiting_at_once_never_start_more_than_the_limit_in_a_window():
    class ShortWindow(RequestPacer):
        WINDOW_SECONDS = 0.3

    pacer = ShortWindow(5)
    starts: list[float] = []
    lock = threading.Lock()

    def requests():
        for _ in range(4):
            pacer.wait()
            with lock:
                starts.append(time.monotonic())

    threads = [threading.Thread(target=requests) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert len(starts) == 32
    for i, start in enumerate(starts):
        assert sum(1 for s in starts[i:] if s - start < ShortWindow.WINDOW_SECONDS) <= 5
