"""A Hypothesis state machine drives take / submit / skip / expire / accept / reject in random
interleavings and checks the platform's invariants after every step."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from crowdlab.domain.clock import utcnow
from crowdlab.domain.errors import CrowdlabError
from crowdlab.services import accounts, assignments, issuing, pools, projects, tasks
from crowdlab.services.integrity import violations
from crowdlab.storage.tables import assignments as assignments_table
from tests.conftest import CAT_DOG_PROJECT, copied_sqlite, pool_body

ENGINE = issuing.Engine(fee_rate=Decimal("0.2"))


class IssuingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db, self.dir = copied_sqlite()
        requester, _ = accounts.create_requester(self.db, "r", balance_micro=1_000_000)
        self.requester_id = requester.id
        project = projects.create(self.db, requester.id, CAT_DOG_PROJECT)
        mixer = {"real_tasks_count": 2, "golden_tasks_count": 1, "training_tasks_count": 0}
        pool = pools.create(
            self.db,
            requester.id,
            pool_body(
                project["id"], mixer_config=mixer, auto_accept_solutions=False, reward_per_assignment=0.1
            ),
        )
        self.pool_id = pool["id"]
        items: list[dict[str, Any]] = [
            {"pool_id": pool["id"], "input_values": {"image": f"https://e.com/{i}.png"}, "overlap": 2}
            for i in range(5)
        ]
        items += [
            {
                "pool_id": pool["id"],
                "input_values": {"image": f"https://e.com/gold{i}.png"},
                "known_solutions": [{"output_values": {"result": "cat"}}],
                "overlap": 1,
            }
            for i in range(2)
        ]
        tasks.create(self.db, requester.id, items, tasks.CreateOptions(), fee_rate=ENGINE.fee_rate)
        pools.open_pool(self.db, requester.id, pool["id"], ENGINE.fee_rate)
        self.workers = [
            accounts.sign_up_worker(self.db, f"w{i}", "pass-word-1", {"languages": ["EN"]})[0]
            for i in range(3)
        ]
        self.active: dict[int, str] = {}
        self.submitted: list[str] = []

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(w=st.integers(0, 2))
    def take(self, w: int) -> None:
        try:
            assignment = issuing.take(self.db, ENGINE, self.workers[w], self.pool_id)
        except CrowdlabError as exc:
            assert exc.code in ("POOL_ASSIGNMENTS_EXHAUSTED", "NOT_ENOUGH_BALANCE", "ACCESS_DENIED"), exc.code
            return
        if w in self.active:
            assert assignment["id"] == self.active[w]  # taking again returns the suite already held
        self.active[w] = assignment["id"]

    @precondition(lambda self: bool(self.active))
    @rule(data=st.data(), answer=st.sampled_from(["cat", "dog"]))
    def submit(self, data: st.DataObject, answer: str) -> None:
        w = data.draw(st.sampled_from(sorted(self.active)))
        assignment_id = self.active.pop(w)
        held = issuing.get_own(self.db, self.workers[w], assignment_id)
        body = {"solutions": [{"output_values": {"result": answer}} for _ in held["tasks"]]}
        try:
            issuing.submit(self.db, ENGINE, self.workers[w], assignment_id, body)
            self.submitted.append(assignment_id)
        except CrowdlabError as exc:
            assert exc.code == "INAPPROPRIATE_STATUS"  # it expired first

    @precondition(lambda self: bool(self.active))
    @rule(data=st.data())
    def skip(self, data: st.DataObject) -> None:
        w = data.draw(st.sampled_from(sorted(self.active)))
        issuing.skip(self.db, self.workers[w], self.active.pop(w))

    @precondition(lambda self: bool(self.active))
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        w = data.draw(st.sampled_from(sorted(self.active)))
        assignment_id = self.active.pop(w)
        with self.db.write() as conn:
            conn.execute(
                sa.update(assignments_table)
                .where(assignments_table.c.id == int(assignment_id))
                .values(expires=utcnow() - timedelta(seconds=1))
            )
            issuing.expire_overdue(conn)

    @precondition(lambda self: bool(self.submitted))
    @rule(data=st.data(), accept=st.booleans())
    def review(self, data: st.DataObject, accept: bool) -> None:
        assignment_id = data.draw(st.sampled_from(self.submitted))
        body = {"status": "ACCEPTED"} if accept else {"status": "REJECTED", "public_comment": "wrong"}
        try:
            assignments.review(self.db, self.requester_id, assignment_id, body)
        except CrowdlabError as exc:
            assert exc.code in ("INAPPROPRIATE_STATUS", "NOT_ENOUGH_BALANCE"), exc.code

    @invariant()
    def invariants_hold(self) -> None:
        assert violations(self.db) == []


IssuingMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
TestIssuing = IssuingMachine.TestCase
