"""``python -m simulator serve --port 8787 --seed 42 --traces 200 [--api v4|legacy] [--plan pro] [--kind all]
[--latency realistic]``;
``python -m simulator export DIR --traces 200 [--format parquet|json|jsonl|csv]``."""

from __future__ import annotations

import argparse
import signal
import threading

from simulator import Simulator, Unkindness


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator", description="Local Langfuse API simulator")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the simulated API until Ctrl-C")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--traces", type=int, default=200)
    serve.add_argument(
        "--api", choices=("v4", "legacy"), default="v4", help="v4 = Cloud, legacy = self-hosted v3"
    )
    serve.add_argument("--public-key", default="pk-lf-demo")
    serve.add_argument("--secret-key", default="sk-lf-demo")
    serve.add_argument(
        "--plan", choices=("hobby", "core", "pro"), default=None, help="Cloud rate limits (off by default)"
    )
    serve.add_argument(
        "--kind",
        default="",
        metavar="SWITCHES",
        help="switch these of Langfuse's unkindnesses off (comma-separated, or 'all'): "
        "unstable_ties, short_pages, response_cap_bytes, ingestion_lag_seconds, running_then_complete",
    )
    serve.add_argument(
        "--latency",
        choices=("off", "realistic"),
        default="off",
        help="how long answers take: off (as fast as the machine), or realistic (Langfuse Cloud's: "
        "~800 ms for a 1,000-row observations page with every field group); tune with POST /_sim/latency",
    )
    serve.add_argument(
        "--capacity",
        type=int,
        default=0,
        metavar="N",
        help="with --latency: answer N requests at once at full speed, more each N/in-flight as fast "
        "(a loaded self-hosted server); 0 (default): unlimited",
    )
    export = commands.add_parser("export", help="write the data as Langfuse's blob-storage export writes it")
    export.add_argument("url", help="a folder, or s3://… (storage options from fsspec's own env vars)")
    export.add_argument("--seed", type=int, default=42)
    export.add_argument("--traces", type=int, default=200)
    export.add_argument("--format", choices=("parquet", "json", "jsonl", "csv"), default="parquet")
    export.add_argument("--windows", type=int, default=4)
    export.add_argument("--project-id", default="proj-demo")
    return parser


def _export(args: argparse.Namespace) -> None:
    from simulator.export import write_export
    from simulator.generator import generate

    store = generate(seed=args.seed, traces=args.traces)
    # The store's own lists, not a ground-truth copy: at a million rows a copy is gigabytes.
    written = write_export({"observations": store.observations, "scores": store.scores}, args.url,
                           project_id=args.project_id, file_format=args.format, windows=args.windows)
    print(f"{len(store.observations)} observations, {len(store.scores)} scores in {len(written.manifests)} "
          f"manifests under {written.root}")


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.command == "export":
        _export(args)
        return
    simulator = Simulator(
        seed=args.seed,
        traces=args.traces,
        api=args.api,
        public_key=args.public_key,
        secret_key=args.secret_key,
        host=args.host,
        port=args.port,
        plan=args.plan,
        unkind=Unkindness().switched_off(args.kind),
        latency={"preset": args.latency, "capacity": args.capacity},
    ).start()
    store = simulator.store
    print(
        f"Langfuse simulator ({args.api}) serving {len(store.observations)} observations at {simulator.base_url}"
    )
    print(f"  LANGFUSE_HOST={simulator.base_url}")
    print(f"  LANGFUSE_PUBLIC_KEY={simulator.public_key}")
    print(f"  LANGFUSE_SECRET_KEY={simulator.secret_key}")
    print("Ctrl-C to stop.", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
