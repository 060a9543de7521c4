"""The command's process allocates Arrow memory through glibc's malloc (see the top of pipelines/cli.py)."""

import os
import subprocess
import sys


def test_the_command_process_uses_the_system_allocator_for_arrow():
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    probe = "import pipelines.cli, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    shown = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "system"


def test_a_user_who_chose_an_allocator_keeps_it():
    env = {**os.environ, "ARROW_DEFAULT_MEMORY_POOL": "jemalloc"}
    probe = "import pipelines.cli, pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    shown = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "jemalloc"


def test_glibc_takes_the_limit_on_malloc_arenas_the_command_sets():
    probe = "from sources.langfuse.memory import limit_malloc_arenas; print(limit_malloc_arenas(2))"
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "True"  # this suite runs on Linux with glibc
