import pytest

from simulator import Simulator


@pytest.fixture()
def sim():
    """A fresh small simulated project per test: tests delete and update its rows."""
    with Simulator(seed=7, traces=120).start() as simulator:
        yield simulator
