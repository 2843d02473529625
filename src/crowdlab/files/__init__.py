"""Task files in and results out: TSV, XLSX and JSON as Toloka requesters write them.

A storage-free library used by the REST API, the web console and the CLI:

* :mod:`~crowdlab.files.tasks_in` — :func:`read_tasks` (upload), :func:`processing_log`,
  :func:`accepted_rows` (skip invalid rows or all-or-nothing);
* :mod:`~crowdlab.files.tasks_out` — :func:`write_tasks` (task files in the upload format);
* :mod:`~crowdlab.files.templates` — :func:`write_template` from a project's spec;
* :mod:`~crowdlab.files.mixing` — :func:`compose_suites` (smart mixing) and the manual ways;
* :mod:`~crowdlab.files.results_out` — :func:`write_assignments` / :func:`tsv_lines`
  (``assignments.tsv``), :func:`write_aggregated`;
* :mod:`~crowdlab.files.review_in` — :func:`read_review` (review results upload).
"""

from crowdlab.files.errors import DEFAULT_LIMITS, Limits, TaskFileError
from crowdlab.files.mixing import MixerConfig, MixingError, compose_suites, split_by_blocks, split_in_order
from crowdlab.files.results_out import (
    DEFAULT_FIELDS,
    parse_status_filter,
    tsv_lines,
    write_aggregated,
    write_assignments,
)
from crowdlab.files.review_in import ReviewRow, read_review
from crowdlab.files.tasks_in import ParsedRow, UploadSummary, accepted_rows, processing_log, read_tasks
from crowdlab.files.tasks_out import TaskColumns, write_tasks
from crowdlab.files.templates import write_template

__all__ = [
    "DEFAULT_FIELDS",
    "DEFAULT_LIMITS",
    "Limits",
    "MixerConfig",
    "MixingError",
    "ParsedRow",
    "ReviewRow",
    "TaskColumns",
    "TaskFileError",
    "UploadSummary",
    "accepted_rows",
    "compose_suites",
    "parse_status_filter",
    "processing_log",
    "read_review",
    "read_tasks",
    "split_by_blocks",
    "split_in_order",
    "tsv_lines",
    "write_aggregated",
    "write_assignments",
    "write_tasks",
    "write_template",
]
