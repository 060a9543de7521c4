"""Endpoint modules of the simulator; each registers its handlers in ``base.ROUTES`` when imported."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every endpoint module of this package, so that all routes are registered."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
