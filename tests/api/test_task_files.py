"""Task files through the API: upload (TSV / JSON / XLSX), all-or-nothing vs skip, templates,
review files, and downloads in three formats."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl

from tests.conftest import CAT_DOG_PROJECT, Requester, WorkerClient, pool_body


def _pool(requester: Requester, **overrides: Any) -> str:
    project = requester.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT).json()
    return str(
        requester.call("POST", "/api/v1/pools", json=pool_body(project["id"], **overrides)).json()["id"]
    )


GOOD = "INPUT:image\tGOLDEN:result\nhttps://e.com/1.png\t\nhttps://e.com/2.png\tcat\n"
BAD = GOOD + "not-a-url\t\nhttps://e.com/3.png\textra\tcolumn\n"


def test_tsv_upload_creates_general_and_control_tasks(requester: Requester) -> None:
    pool_id = _pool(requester)
    response = requester.call(
        "POST", f"/api/v1/pools/{pool_id}/task-files", files={"file": ("tasks.tsv", GOOD)}
    )
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2 and response.json()["failed"] == 0
    tasks = requester.call("GET", "/api/v1/tasks", params={"pool_id": pool_id}).json()["items"]
    assert [t.get("known_solutions") for t in tasks] == [
        None,
        [{"output_values": {"result": "cat"}, "correctness_weight": 1}],
    ]
    assert all(t["overlap"] == 3 for t in tasks)  # the pool's default overlap


def test_bad_rows_refuse_everything_or_are_skipped(requester: Requester) -> None:
    pool_id = _pool(requester)
    refused = requester.call(
        "POST",
        f"/api/v1/pools/{pool_id}/task-files",
        params={"skip_invalid_items": "false"},
        files={"file": ("t.tsv", BAD)},
    )
    assert refused.status_code == 400 and refused.json()["code"] == "VALIDATION_ERROR"
    report = refused.json()["payload"]["file"]
    assert [f["line"] for f in report["failures"]] == [4, 5]
    assert report["failures"][0]["code"] == "INVALID_URL_SYNTAX"
    assert "2" in report["failures"][1]["message"] and "3" in report["failures"][1]["message"]  # both counts
    assert requester.call("GET", "/api/v1/tasks", params={"pool_id": pool_id}).json()["items"] == []
    skipped = requester.call("POST", f"/api/v1/pools/{pool_id}/task-files", files={"file": ("t.tsv", BAD)})
    assert skipped.status_code == 201 and skipped.json()["created"] == 2 and skipped.json()["failed"] == 2
    log = requester.call("GET", f"/api/v1/operations/{skipped.json()['operation_id']}/log").json()
    assert [entry["output"]["line"] for entry in log] == [4, 5]


def test_wrong_header_names_the_header(requester: Requester) -> None:
    pool_id = _pool(requester)
    response = requester.call(
        "POST",
        f"/api/v1/pools/{pool_id}/task-files",
        files={"file": ("t.tsv", "INPUT:picture\nhttps://e.com/1.png\n")},
    )
    assert response.status_code == 400
    assert "INPUT:picture" in response.json()["message"] or "picture" in json.dumps(
        response.json()["payload"]
    )


def test_json_and_xlsx_uploads(requester: Requester) -> None:
    pool_id = _pool(requester)
    body = json.dumps(
        [{"input_values": {"image": "https://e.com/j.png"}}, {"INPUT:image": "https://e.com/old.png"}]
    )
    assert (
        requester.call(
            "POST", f"/api/v1/pools/{pool_id}/task-files", files={"file": ("t.json", body)}
        ).json()["created"]
        == 2
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["INPUT:image"])
    sheet.append(["https://e.com/x.png"])
    data = io.BytesIO()
    book.save(data)
    xlsx = requester.call(
        "POST", f"/api/v1/pools/{pool_id}/task-files", files={"file": ("t.xlsx", data.getvalue())}
    )
    assert xlsx.status_code == 201 and xlsx.json()["created"] == 1


def test_template_download(requester: Requester) -> None:
    project = requester.call("POST", "/api/v1/projects", json=CAT_DOG_PROJECT).json()
    tsv = requester.call("GET", f"/api/v1/projects/{project['id']}/task-template", params={"golden": "true"})
    assert tsv.status_code == 200 and tsv.text.splitlines()[0].split("\t") == ["INPUT:image", "GOLDEN:result"]
    xlsx = requester.call("GET", f"/api/v1/projects/{project['id']}/task-template", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_review_file_and_exports(client: Any, requester: Requester) -> None:
    pool_id = _pool(requester, auto_accept_solutions=False)
    requester.call(
        "POST", f"/api/v1/pools/{pool_id}/task-files", files={"file": ("t.tsv", GOOD.replace("\tcat", "\t"))}
    )
    assert requester.call("POST", f"/api/v1/pools/{pool_id}/open").status_code == 202
    worker = WorkerClient(client, "w")
    assignment = worker.take(pool_id).json()
    worker.submit(assignment)
    review = f"ASSIGNMENT:assignment_id\tACCEPT:verdict\tACCEPT:comment\n{assignment['id']}\t-\tblurry\n000000999999\t+\t\n"
    result = requester.call(
        "POST", f"/api/v1/pools/{pool_id}/review-files", files={"file": ("r.tsv", review)}
    ).json()
    assert result["applied"] == 1 and result["failed"] == 1
    assert requester.call("GET", f"/api/v1/assignments/{assignment['id']}").json()["status"] == "REJECTED"
    tsv = requester.call(
        "GET", f"/api/new/requester/pools/{pool_id}/assignments.tsv", params={"status": "REJECTED"}
    )
    assert len(tsv.text.splitlines()) == 3 and "REJECTED" in tsv.text
    as_json = requester.call(
        "GET", f"/api/new/requester/pools/{pool_id}/assignments.json", params={"status": "REJECTED"}
    )
    assert len(json.loads(as_json.content)) == 2
    xlsx = requester.call(
        "GET", f"/api/new/requester/pools/{pool_id}/assignments.xlsx", params={"status": "REJECTED"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 3
