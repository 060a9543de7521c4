import pytest

from simulator import Simulator


@pytest.fixture()
def sim():
    """A fresh simulated project per test (tests mutate it); 120 traces give two pages of observations."""
    with Simulator(seed=7, traces=120).start() as simulator:
        yield simulator
