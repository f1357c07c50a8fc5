"""`import wrapupkit` against `import PureCloudPlatformClientV2`: wall time and peak memory, in fresh processes.

python bench/bench_import.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from _common import add_smoke_flag, smoke_sizes


PROBE = """
import json, resource, sys, time
t = time.perf_counter()
import {module}
elapsed = time.perf_counter() - t
print(json.dumps({{"seconds": elapsed, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                   "sdk_loaded": "PureCloudPlatformClientV2" in sys.modules,
                   "threads": __import__("threading").active_count()}}))
"""


def measure(module: str, runs: int) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True, check=True
        )
        samples.append(json.loads(out.stdout))
    baseline = subprocess.run(
        [
            sys.executable,
            "-c",
            "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "median_s": statistics.median(s["seconds"] for s in samples),
        "max_rss_mb": statistics.median(s["max_rss_mb"] for s in samples),
        "baseline_rss_mb": float(baseline.stdout),
        "sdk_loaded": samples[0]["sdk_loaded"],
        "threads": samples[0]["threads"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--runs", type=int, default=5)
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), runs=1)
    print(f"median of {args.runs} fresh interpreters, Python {sys.version.split()[0]}\n")
    print("| import | seconds | peak RSS MB (interpreter alone) | SDK loaded | threads after import |")
    print("|---|---|---|---|---|")
    for module in ("wrapupkit", "PureCloudPlatformClientV2"):
        m = measure(module, args.runs)
        print(
            f"| `import {module}` | {m['median_s']:.3f} | {m['max_rss_mb']:.0f} ({m['baseline_rss_mb']:.0f}) "
            f"| {m['sdk_loaded']} | {m['threads']} |"
        )


if __name__ == "__main__":
    main()
