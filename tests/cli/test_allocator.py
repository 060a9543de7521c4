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
