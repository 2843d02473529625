"""Quality per dollar: the same simulated crowd (honest workers, spammers, fast clickers) labels the
same job with no quality control, with quality rules, and with rules + dynamic overlap.

    python benchmarks/quality.py                       # 300 tasks, 30 workers, seeds 1 2 3
    python benchmarks/quality.py --tasks 500 --seeds 1 2 3 4 5 --spammers 0.3

Each run starts a real server on a fresh SQLite file (crowdlab.sim.quality_lab). Prints majority-vote
accuracy against the truth, what the requester paid (rewards + fee, rejected suites are not paid),
accuracy per dollar, and who got banned, side by side; then the mean over the seeds. Figures, never
assertions: thread timing decides who answers what, so runs differ.
"""

from __future__ import annotations

import argparse
import statistics

from crowdlab.sim.quality_lab import MODES, Outcome, Scenario, run


def _row(label: str, outcomes: list[Outcome]) -> str:
    def mean(values: list[float]) -> float:
        return statistics.fmean(values) if values else 0.0

    accuracy = mean([o.accuracy for o in outcomes])
    spend = mean([o.spend for o in outcomes])
    suites = [s for o in outcomes for s in o.bad_suites]
    return (
        f"{label:30s} {accuracy:8.3f} {spend:9.2f} {accuracy / spend if spend else 0:10.3f} "
        f"{mean([o.answers for o in outcomes]):8.0f} {mean([o.rejected for o in outcomes]):8.1f} "
        f"{sum(o.bad_banned for o in outcomes):>4d}/{sum(o.bad_workers for o in outcomes):<4d}"
        f"{statistics.median(suites) if suites else 0:>7} {mean([o.honest_banned for o in outcomes]):9.1f} "
        f"{mean([o.seconds for o in outcomes]):7.1f}"
    )


HEADER = (
    f"{'':30s} {'accuracy':>8s} {'spend $':>9s} {'acc per $':>10s} {'answers':>8s} {'rejected':>8s} "
    f"{'bad banned':>10s} {'suites':>6s} {'honest ban':>9s} {'secs':>7s}"
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--golden", type=int, default=50)
    parser.add_argument("--workers", type=int, default=30)
    parser.add_argument("--spammers", type=float, default=0.2)
    parser.add_argument("--fast-clickers", type=float, default=0.1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--no-baseline", action="store_true", help="skip the run without spammers")
    args = parser.parse_args()

    runs: dict[str, list[Outcome]] = {}
    plan = [] if args.no_baseline else [("no spammers, no QC", "none", 0.0, 0.0)]
    plan += [(mode if mode != "none" else "no QC", mode, args.spammers, args.fast_clickers) for mode in MODES]
    print(
        f"{args.tasks} tasks + {args.golden} control tasks, {args.workers} workers "
        f"({args.spammers:.0%} spammers, {args.fast_clickers:.0%} fast clickers), seeds {args.seeds}"
    )
    print("suites = median suites a spammer / fast clicker handed in before the ban")
    print(HEADER)
    for seed in args.seeds:
        for label, mode, spammers, fast in plan:
            outcome = run(
                Scenario(
                    mode=mode,
                    tasks=args.tasks,
                    golden=args.golden,
                    workers=args.workers,
                    spammers=spammers,
                    fast_clickers=fast,
                    seed=seed,
                )
            )
            runs.setdefault(label, []).append(outcome)
            print(_row(f"{label} (seed {seed})", [outcome]), flush=True)
    print()
    print(f"mean over {len(args.seeds)} seed(s)")
    print(HEADER)
    for label, outcomes in runs.items():
        print(_row(label, outcomes))


if __name__ == "__main__":
    main()
