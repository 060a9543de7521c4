import pytest

from simulator import Simulator


@pytest.fixture()
def sim():
    with Simulator(seed=5, traces=80).start() as simulator:
        yield simulator
