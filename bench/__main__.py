"""Run the benchmarks: ``python -m bench [--record] [name ...]``."""
from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASELINE = HERE / "baseline.json"


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks, print a table, fail when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="benchmark modules (default: all)")
    parser.add_argument("--record", action="store_true", help="save results as the baseline")
    args = parser.parse_args(argv)
    names = args.names or sorted(
        m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_")
    )
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    failed = False
    print(f"{'metric':44} {'value':>10} {'target':>10} {'baseline':>10}", flush=True)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        with tempfile.TemporaryDirectory() as workdir:
            results = module.run(Path(workdir))
        for metric, value in results.items():
            key = f"{name}.{metric}"
            target = module.TARGETS.get(metric)
            missed = target is not None and not _meets(value, target)
            failed |= missed
            before = baseline.get(key)
            shown = "-" if target is None else (f"{target[0]}{target[1]}"
                                                if isinstance(target, tuple) else f"<={target}")
            print(f"{key:44} {value:10.1f} {shown:>10} "
                  f"{before if before is not None else '-':>10}{'  MISSED' if missed else ''}")
            if args.record:
                baseline[key] = round(value, 1)
    if args.record:
        BASELINE.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n")
    return 1 if failed else 0


def _meets(value: float, target) -> bool:
    """A target is an upper bound, or ``(">=", bound)`` for figures where more is better."""
    if isinstance(target, tuple):
        operator, bound = target
        return value >= bound if operator == ">=" else value <= bound
    return value <= target


if __name__ == "__main__":
    sys.exit(main())
