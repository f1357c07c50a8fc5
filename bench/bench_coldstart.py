"""Cold start: the first wrap-up and `wrapupkit codes` in fresh processes, with the lazy SDK loader on and off.

The emulator is served by this process; each measured process only runs the client.  Wall time is
from process start to exit (the result is printed just before); peak RSS is the child's own, read
with os.wait4.  Beside them, `python -c "import PureCloudPlatformClientV2"` alone.  Medians of --runs.

    python bench/bench_coldstart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from _common import add_smoke_flag, seed, smoke_sizes

from wrapupkit.emulator import Emulator


FIRST_WRAPUP = """
import sys
from wrapupkit import WrapupClient
client = WrapupClient.from_env()
result = client.apply_wrapup(sys.argv[1], "Sale")
assert result.code.name == "Sale"
print(result.code.name)
"""


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and stdout of one fresh process."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[:3]} exited {proc.returncode}: {err[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, out


def median_of(samples: list[tuple[float, float, str]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--runs", type=int, default=5)
    add_smoke_flag(parser)
    args = smoke_sizes(parser.parse_args(), runs=1)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYS", "WRAPUPKIT_SDK_LAZY"))}
    rows: list[tuple[str, float, float]] = []
    with Emulator() as emu:
        ids = seed(emu)
        env = {
            **base,
            "GENESYSCLOUD_API_HOST": emu.url,
            "GENESYSCLOUD_OAUTHCLIENT_ID": emu.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": emu.client_secret,
        }
        py = sys.executable
        rows.append(
            (
                "`python -c pass` (interpreter alone)",
                *median_of([run([py, "-c", "pass"], base) for _ in range(args.runs)]),
            )
        )
        sdk_import = median_of(
            [run([py, "-c", "import PureCloudPlatformClientV2"], base) for _ in range(args.runs)]
        )
        rows.append(('`python -c "import PureCloudPlatformClientV2"`', *sdk_import))
        results: dict[str, tuple[float, float]] = {}
        for label, lazy in (("loader on", "1"), ("loader off (WRAPUPKIT_SDK_LAZY=0)", "0")):
            mode = {**env, "WRAPUPKIT_SDK_LAZY": lazy}
            first = []
            for _ in range(args.runs):
                cid = emu.add_conversation(user_id=ids["user"], queue_id=ids["queue"]).id
                first.append(run([py, "-c", FIRST_WRAPUP, cid], mode))
                assert emu.wrapup(cid) is not None
            results[f"first wrap-up, {label}"] = median_of(first)
            codes = [run([py, "-m", "wrapupkit", "codes", ids["queue"]], mode) for _ in range(args.runs)]
            assert "Sale" in codes[0][2]
            results[f"`wrapupkit codes QUEUE`, {label}"] = median_of(codes)
        rows += [(name, *figures) for name, figures in results.items()]

    print(
        f"median of {args.runs} fresh processes each, Python {sys.version.split()[0]}, emulator on loopback\n"
    )
    print("| process | wall seconds | peak RSS MB | vs SDK import: time | vs SDK import: RSS |")
    print("|---|---|---|---|---|")
    for name, seconds, rss in rows:
        print(
            f"| {name} | {seconds:.3f} | {rss:.0f} | {seconds / sdk_import[0]:.2f} | {rss / sdk_import[1]:.2f} |"
        )
    lazy_time, lazy_rss = results["first wrap-up, loader on"]
    print(
        f"\ngoal: first wrap-up <= 1/3 of the SDK import time ({lazy_time / sdk_import[0]:.2f}: "
        f"{'met' if lazy_time <= sdk_import[0] / 3 else 'NOT met'}), <= 1/2 of its memory "
        f"({lazy_rss / sdk_import[1]:.2f}: {'met' if lazy_rss <= sdk_import[1] / 2 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
