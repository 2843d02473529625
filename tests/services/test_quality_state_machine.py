"""A Hypothesis state machine drives take / submit / skip / expire / review / ban expiry in random
interleavings on a pool whose quality control bans, rejects, approves, raises overlap and grows tasks
dynamically, and checks the platform's invariants and quality control's own after every step."""

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
from crowdlab.storage.tables import tasks as tasks_table
from crowdlab.storage.tables import user_restrictions
from tests.conftest import CAT_DOG_PROJECT, copied_sqlite, pool_body
from tests.services import quality_support as q

ENGINE = issuing.Engine(fee_rate=Decimal("0.2"))
MAX_OVERLAP = 3


def _configs() -> list[dict[str, Any]]:
    fails = [
        q.cond("golden_set_answers_count", "GTE", 1),
        q.cond("golden_set_correct_answers_rate", "LT", 50),
    ]
    timed = q.ban("POOL", duration=1, duration_unit="MINUTES")
    return [
        q.collector(
            "GOLDEN_SET",
            [
                q.rule("RESTRICTION_V2", fails, **timed),
                q.rule("REJECT_ALL_ASSIGNMENTS", fails, public_comment="qc"),
            ],
        ),
        q.collector(
            "ASSIGNMENTS_ASSESSMENT",
            [q.rule("CHANGE_OVERLAP", [q.cond("assessment_event", "EQ", "REJECT")], delta=1, open_pool=True)],
        ),
        q.collector(
            "USERS_ASSESSMENT",
            [q.rule("CHANGE_OVERLAP", [q.cond("pool_access_revoked_reason", "EQ", "RESTRICTION")], delta=1)],
        ),
        q.collector(
            "SKIPPED_IN_ROW_ASSIGNMENTS",
            [q.rule("RESTRICTION_V2", [q.cond("skipped_in_row_count", "GTE", 2)], **timed)],
        ),
        q.collector(
            "ACCEPTANCE_RATE",
            [
                q.rule(
                    "APPROVE_ALL_ASSIGNMENTS",
                    [
                        q.cond("total_assignments_count", "GTE", 2),
                        q.cond("accepted_assignments_rate", "GTE", 50),
                    ],
                )
            ],
        ),
    ]


class QualityMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.db, self.dir = copied_sqlite()
        requester, _ = accounts.create_requester(self.db, "r", balance_micro=5_000_000)
        self.requester_id = requester.id
        project = projects.create(self.db, requester.id, CAT_DOG_PROJECT)
        # one pool reviewed by hand (bans reject the work), one auto-accepted (bans raise the overlap)
        self.pool_ids = [self._pool(requester.id, project["id"], manual) for manual in (True, False)]
        self.workers = [
            accounts.sign_up_worker(self.db, f"w{i}", "pass-word-1", {"languages": ["EN"]})[0]
            for i in range(3)
        ]
        self.active: dict[tuple[int, int], str] = {}
        self.submitted: list[str] = []

    def _pool(self, requester_id: int, project_id: str, manual: bool) -> str:
        body = pool_body(
            project_id,
            mixer_config={"real_tasks_count": 2, "golden_tasks_count": 1, "training_tasks_count": 0},
            auto_accept_solutions=not manual,
            reward_per_assignment=0.1,
            quality_control={"configs": _configs()},
            dynamic_overlap_config={"type": "BASIC", "max_overlap": MAX_OVERLAP, "min_confidence": 0.8},
        )
        pool = pools.create(self.db, requester_id, body)
        items: list[dict[str, Any]] = [
            {
                "pool_id": pool["id"],
                "input_values": {"image": f"https://e.com/{pool['id']}-{i}.png"},
                "overlap": 1,
            }
            for i in range(4)
        ]
        items += [
            {
                "pool_id": pool["id"],
                "input_values": {"image": f"https://e.com/{pool['id']}-gold{i}.png"},
                "known_solutions": [{"output_values": {"result": "cat"}}],
            }
            for i in range(4)
        ]
        tasks.create(self.db, requester_id, items, tasks.CreateOptions(), fee_rate=ENGINE.fee_rate)
        pools.open_pool(self.db, requester_id, pool["id"], ENGINE.fee_rate)
        return str(pool["id"])

    def teardown(self) -> None:
        self.db.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    @rule(w=st.integers(0, 2), p=st.integers(0, 1))
    def take(self, w: int, p: int) -> None:
        try:
            assignment = issuing.take(self.db, ENGINE, self.workers[w], self.pool_ids[p])
        except CrowdlabError as exc:
            assert exc.code in ("POOL_ASSIGNMENTS_EXHAUSTED", "NOT_ENOUGH_BALANCE", "ACCESS_DENIED"), exc.code
            return
        self.active[(w, p)] = assignment["id"]

    @precondition(lambda self: bool(self.active))
    @rule(data=st.data(), answer=st.sampled_from(["cat", "dog"]))
    def submit(self, data: st.DataObject, answer: str) -> None:
        key = data.draw(st.sampled_from(sorted(self.active)))
        assignment_id, w = self.active.pop(key), key[0]
        held = issuing.get_own(self.db, self.workers[w], assignment_id)
        body = {"solutions": [{"output_values": {"result": answer}} for _ in held["tasks"]]}
        try:
            issuing.submit(self.db, ENGINE, self.workers[w], assignment_id, body)
            self.submitted.append(assignment_id)
        except CrowdlabError as exc:
            assert exc.code == "INAPPROPRIATE_STATUS"

    @precondition(lambda self: bool(self.active))
    @rule(data=st.data())
    def skip(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.active)))
        try:
            issuing.skip(self.db, self.workers[key[0]], self.active.pop(key))
        except CrowdlabError as exc:
            assert exc.code == "INAPPROPRIATE_STATUS"

    @precondition(lambda self: bool(self.active))
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        assignment_id = self.active.pop(data.draw(st.sampled_from(sorted(self.active))))
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

    @rule()
    def bans_run_out(self) -> None:
        with self.db.write() as conn:
            conn.execute(
                sa.update(user_restrictions)
                .where(user_restrictions.c.will_expire > utcnow())
                .values(will_expire=utcnow() - timedelta(seconds=1))
            )

    @invariant()
    def invariants_hold(self) -> None:
        assert violations(self.db) == []
        with self.db.read() as conn:
            now = utcnow()
            in_force = conn.execute(
                sa.select(user_restrictions.c.worker_id, user_restrictions.c.pool_id, sa.func.count())
                .where(
                    sa.or_(user_restrictions.c.will_expire.is_(None), user_restrictions.c.will_expire > now)
                )
                .group_by(user_restrictions.c.worker_id, user_restrictions.c.pool_id)
            ).all()
            assert all(count == 1 for _, _, count in in_force), in_force  # bans never stack
            rows = conn.execute(
                sa.select(tasks_table.c.overlap, tasks_table.c.live_count, tasks_table.c.available).where(
                    tasks_table.c.kind == "general"
                )
            ).all()
            for overlap, live, available in rows:
                assert bool(available) == (live < overlap), (overlap, live, available)


QualityMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None)
TestQuality = QualityMachine.TestCase
