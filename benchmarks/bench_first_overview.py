"""The first overview after a start, synthetic plan of 5,000 measures (issue 16: goal < 1 s).

Run: .venv/bin/python -m benchmarks.bench_first_overview [--starts 5] [--measures 5000]
Builds the synthetic plan (benchmarks/synthetic.py) in a temporary SQLite file, then starts the
app `--starts` times, each in a fresh Python process (no cache survives), as `zielcockpit serve`
and gunicorn do: `create_app`, `warm_up` (Dash's setup and the plans evaluated), then a user
logs in and opens the overview (Dash's page router, as the browser asks for it). Prints per start
the seconds until the app was ready and the milliseconds of the first overview, their medians,
and the first overview against the goal; for comparison the same first overview without the
warm-up of the plans (the state before issue 16). Exits 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GOAL_MS = 1000.0

# One start, in a fresh process: prints {"ready_s": ..., "overview_ms": ...}.
_ONE_START = """
import json, sys, time
start = time.perf_counter()
import dash
from app import create_app, warm_up
from benchmarks.bench_dashboard import BENCH_PASSWORD, BENCH_USER
from benchmarks.dash_requests import log_in, route_payload
from zielcockpit.settings import Settings
url, key, warm = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
app = create_app(Settings.resolve({"DATABASE_URL": url}))
if warm:
    warm_up(app)
else:
    app.server.test_client().get("/api/v1/health")
ready = time.perf_counter() - start
client = log_in(app.server.test_client(), BENCH_USER, BENCH_PASSWORD)
began = time.perf_counter()
response = client.post("/_dash-update-component", json=route_payload("/", f"?plan={key}"))
took = (time.perf_counter() - began) * 1000
assert response.status_code == 200 and b"Wie steht" in response.data, response.data[:300]
print(json.dumps({"ready_s": ready, "overview_ms": took}))
"""


def one_start(url: str, key: str, warm: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _ONE_START, url, key, "1" if warm else "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--measures", type=int, default=5000)
    args = parser.parse_args(argv)
    from benchmarks.bench_dashboard import add_bench_user
    from benchmarks.synthetic import build_synthetic
    from db.engine import make_engine
    from db.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="zc-bench-first-") as folder:
        url = f"sqlite:///{folder}/synthetic.db"
        engine = make_engine(url)
        upgrade(engine)
        start = time.perf_counter()
        key = build_synthetic(engine, measures=args.measures, indicators_per_measure=3, quarters=8)
        add_bench_user(engine)
        engine.dispose()
        print(
            f"Synthetischer Plan {args.measures} × 3 × 8 (SQLite, aufgebaut in "
            f"{time.perf_counter() - start:.1f} s); {args.starts} Starts je Art, je ein neuer Prozess:"
        )
        warm, cold = [], []
        for _ in range(args.starts):  # alternating, so a drift of the machine hits both alike
            warm.append(one_start(url, key, True))
            cold.append(one_start(url, key, False))
    for label, runs in (("mit warm_up (wie serve/gunicorn)", warm), ("ohne Vorberechnung", cold)):
        ready = statistics.median(r["ready_s"] for r in runs)
        first = statistics.median(r["overview_ms"] for r in runs)
        every = ", ".join(f"{r['overview_ms']:.0f}" for r in runs)
        print(
            f"  {label:<34} bereit nach {ready:5.2f} s | erste Übersicht Median {first:7.1f} ms "
            f"(alle: {every})"
        )
    first_warm = statistics.median(r["overview_ms"] for r in warm)
    met = first_warm < GOAL_MS
    print(
        f"  Ziel erste Übersicht < {GOAL_MS:.0f} ms: {'erreicht' if met else 'verfehlt'} "
        f"({first_warm:.0f} ms)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
