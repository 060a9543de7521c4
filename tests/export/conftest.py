from tests.sync.conftest import sim  # noqa: F401  (a fresh simulated project per test)
