"""``crowdlab aggregate``: aggregate an assignments TSV (as exported, or by Toloka) offline.

Rows are grouped by task (``ASSIGNMENT:task_id`` when present, else the INPUT: values), answers come
from ``OUTPUT:<field>`` and ``ASSIGNMENT:worker_id``, and filled ``GOLDEN:<field>`` cells are known
labels (control tasks calibrate the workers and get no result of their own).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import numpy as np

from crowdlab.aggregation import CATEGORICAL_METHODS, AnswerEncoder, create


def _fields(header: list[str], field: str | None) -> tuple[list[str], str]:
    inputs = [h for h in header if h.startswith("INPUT:")]
    outputs = [h.removeprefix("OUTPUT:") for h in header if h.startswith("OUTPUT:")]
    missing = [c for c in ("ASSIGNMENT:worker_id",) if c not in header]
    if missing or not outputs:
        raise ValueError(
            f"the file needs OUTPUT: columns and {', '.join(missing or ['ASSIGNMENT:worker_id'])}"
        )
    if field is None:
        if len(outputs) > 1:
            raise ValueError(f"choose the output field to aggregate with --field: {', '.join(outputs)}")
        field = outputs[0]
    if field not in outputs:
        raise ValueError(
            f"no column OUTPUT:{field}; the file has {', '.join('OUTPUT:' + o for o in outputs)}"
        )
    return inputs, field


def aggregate_tsv(source: TextIO, *, method: str, field: str | None = None) -> Iterator[list[str]]:
    """Yield the result table (header first): INPUT: columns, OUTPUT:<field>, CONFIDENCE:<field>."""
    if method not in CATEGORICAL_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(CATEGORICAL_METHODS)}")
    reader = csv.DictReader(source, delimiter="\t")
    header = list(reader.fieldnames or [])
    inputs, field = _fields(header, field)
    encoder = AnswerEncoder()
    gold: dict[str, str] = {}
    shown: dict[str, list[str]] = {}
    columns: tuple[list[str], list[str], list[str]] = ([], [], [])
    for line, row in enumerate(reader, start=2):
        label = row.get(f"OUTPUT:{field}")
        if label in (None, ""):
            continue
        task = row.get("ASSIGNMENT:task_id") or json.dumps([row.get(c) for c in inputs])
        if not row.get("ASSIGNMENT:worker_id"):
            raise ValueError(f"line {line}: ASSIGNMENT:worker_id is empty")
        shown.setdefault(task, [row.get(c) or "" for c in inputs])
        if row.get(f"GOLDEN:{field}"):
            gold[task] = str(row[f"GOLDEN:{field}"])
        columns[0].append(task)
        columns[1].append(str(row["ASSIGNMENT:worker_id"]))
        columns[2].append(str(label))
    if not columns[0]:
        raise ValueError("the file has no answers")
    encoder.add(*columns)
    encoding = encoder.finish()
    model = create(method)
    known = encoding.true_labels({t: v for t, v in gold.items() if v in set(encoding.labels.tolist())})
    try:
        fitted = model.fit(encoding.answers, known)
    except TypeError:
        fitted = model.fit(encoding.answers)
    labels = encoding.decode_labels(fitted.labels_)
    confidences = np.asarray(fitted.confidences_)
    yield [*inputs, f"OUTPUT:{field}", f"CONFIDENCE:{field}"]
    for position, task in enumerate(encoding.task_ids.tolist()):
        if task in gold:
            continue
        yield [*shown[task], str(labels[position]), f"{confidences[position]:.4f}"]


def write_rows(rows: Iterable[list[Any]], out: TextIO) -> None:
    """Write rows as TSV (values with tabs, line breaks or quotes are quoted)."""
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    for row in rows:
        writer.writerow(row)
