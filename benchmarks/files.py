"""Task files benchmark: upload time and peak memory for a generated ~100 MB TSV (next to pandas.read_csv
on the same file), and export time for 1M answers.

Run: ``.venv/bin/python benchmarks/files.py`` (options: ``--size-mb``, ``--answers``, ``--xlsx-answers``,
``--keep``). Each measurement runs in a fresh child process so that its peak RSS is its own; "growth"
is the peak minus the RSS right after imports. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

INPUT_SPEC = {
    "image": {"type": "url", "required": True, "hidden": False},
    "text": {"type": "string", "required": True, "hidden": False},
    "n": {"type": "integer", "required": True, "hidden": False},
    "tags": {"type": "array_string", "required": False, "hidden": False},
}
OUTPUT_SPEC = {
    "result": {"type": "string", "required": True, "hidden": False, "allowed_values": ["OK", "BAD"]}
}
WORDS = [
    *("the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "while"),
    *("crowds", "label", "images", "of", "cats", "and", "dogs"),
]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def generate_tsv(path: str, size_mb: int, seed: int = 1) -> int:
    """Write a task file of about ``size_mb`` MB: 10% of texts quoted (tabs, line breaks, quotes)."""
    rng = random.Random(seed)
    target = size_mb * 1024 * 1024
    written = rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        header = "INPUT:image\tINPUT:text\tINPUT:n\tINPUT:tags\tGOLDEN:result\tHINT:text\n"
        out.write(header)
        written += len(header)
        batch: list[str] = []
        while written < target:
            text = " ".join(rng.choices(WORDS, k=rng.randint(4, 12)))
            if rng.random() < 0.1:
                text = (
                    '"'
                    + text.replace(" a ", ' a ""quoted"" ').replace(" dog", "\tdog").replace(" cat", "\ncat")
                    + '"'
                )
            golden = rng.choice(("OK", "BAD")) if rng.random() < 0.03 else ""
            hint = "Look at the ears" if golden and rng.random() < 0.3 else ""
            tags = ",".join(rng.choices(WORDS, k=3)) if rng.random() < 0.5 else ""
            number = rng.randint(0, 10**6)
            line = (
                f"https://cdn.example.com/images/{rows:08d}.jpg\t{text}\t{number}\t{tags}\t{golden}\t{hint}\n"
            )
            size = len(line.encode())
            if written + size > target:  # stay within the 100 MB upload limit
                break
            batch.append(line)
            written += size
            rows += 1
            if len(batch) >= 10_000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
    return rows


def _answers(count: int) -> Iterator[dict[str, Any]]:
    started = dt.datetime(2024, 5, 1, 10, 0, 0)
    for number in range(count):
        golden = number % 33 == 0
        row: dict[str, Any] = {
            "input_values": {
                "image": f"https://cdn.example.com/images/{number // 3:08d}.jpg",
                "text": "a cat on a mat" if number % 10 else 'a "quoted"\ttext',
                "n": number,
                "tags": ["cat", "mat"],
            },
            "output_values": {"result": "OK" if number % 4 else "BAD"},
            "link": f"https://crowdlab.example/task/7/{number // 3:010d}",
            "assignment": {
                "id": f"{number // 3:010d}--7",
                "task_id": f"t{number}",
                "user_id": f"w{number % 997}",
                "status": "ACCEPTED",
                "created": started + dt.timedelta(seconds=number),
            },
        }
        if golden:
            row["known_solutions"] = [{"output_values": {"result": "OK"}}]
        yield row


def child(task: str, argument: str) -> dict[str, Any]:
    """One measurement, run inside a child process."""
    if task == "pandas":
        import pandas as pd

        baseline = _rss_mb()
        start = time.perf_counter()
        frame = pd.read_csv(argument, sep="\t")
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "peak_mb": _rss_mb(), "baseline_mb": baseline, "rows": len(frame)}
    from crowdlab.files import read_tasks, write_assignments

    baseline = _rss_mb()
    if task == "upload":
        start = time.perf_counter()
        rows = errors = 0
        with open(argument, "rb") as stream:
            for row in read_tasks(stream, filename=argument, input_spec=INPUT_SPEC, output_spec=OUTPUT_SPEC):
                rows += 1
                errors += bool(row.errors)
        seconds = time.perf_counter() - start
        return {
            "seconds": seconds,
            "peak_mb": _rss_mb(),
            "baseline_mb": baseline,
            "rows": rows,
            "errors": errors,
        }
    fmt, count = task.removeprefix("export-"), int(argument)
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        written = write_assignments(
            _answers(count),
            input_spec=INPUT_SPEC,
            output_spec=OUTPUT_SPEC,
            out=out,
            format=fmt,  # type: ignore[arg-type]
        )
        seconds = time.perf_counter() - start
        size = out.tell()
    return {"seconds": seconds, "peak_mb": _rss_mb(), "baseline_mb": baseline, "rows": written, "bytes": size}


def _run_child(task: str, argument: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", task, argument]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"{task} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def _line(label: str, data: dict[str, Any], extra: str = "") -> str:
    growth = data["peak_mb"] - data["baseline_mb"]
    return (
        f"{label:<34} {data['seconds']:8.2f} s   peak RSS {data['peak_mb']:7.1f} MB "
        f"(+{growth:6.1f} MB over imports)   {extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--child", nargs=2, metavar=("TASK", "ARG"), help=argparse.SUPPRESS)
    parser.add_argument("--size-mb", type=int, default=100)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--xlsx-answers", type=int, default=100_000, help="0 to skip the XLSX export")
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the generated TSV")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return

    workdir = tempfile.mkdtemp(prefix="crowdlab-bench-")
    path = os.path.join(workdir, "tasks.tsv")
    try:
        _measure(path, args)
    finally:
        if args.keep:
            print(f"\nkept {path}")
        else:
            if os.path.exists(path):
                os.remove(path)
            os.rmdir(workdir)


def _measure(path: str, args: argparse.Namespace) -> None:
    start = time.perf_counter()
    generated = generate_tsv(path, args.size_mb)
    size_mb = os.path.getsize(path) / 2**20
    print(
        f"generated {path}: {size_mb:.1f} MB, {generated:,} task rows ({time.perf_counter() - start:.1f} s)"
    )
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    print("Upload (TSV, parse + convert + validate every row)")
    upload = _run_child("upload", path)
    rate = size_mb / upload["seconds"]
    print(
        _line(
            "  crowdlab read_tasks",
            upload,
            f"{upload['rows']:,} rows, {upload['errors']} with errors, {rate:.1f} MB/s",
        )
    )
    if not args.skip_pandas:
        frame = _run_child("pandas", path)
        print(_line("  pandas.read_csv(sep='\\t')", frame, f"{frame['rows']:,} rows"))
    print()
    print("Export (assignments with INPUT/OUTPUT/GOLDEN/HINT + default ASSIGNMENT: columns)")
    for fmt, count in (("tsv", args.answers), ("json", args.answers), ("xlsx", args.xlsx_answers)):
        if not count:
            continue
        data = _run_child(f"export-{fmt}", str(count))
        written = data["bytes"] / 2**20
        speed = count / data["seconds"]
        print(
            _line(
                f"  write_assignments {fmt} {count:,}",
                data,
                f"{written:.1f} MB written, {speed:,.0f} answers/s",
            )
        )


if __name__ == "__main__":
    main()
