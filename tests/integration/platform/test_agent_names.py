"""Agents' names reach email headers: a line break in one is refused at the API, and mail
queued with one (before names were checked) is still delivered."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db.tables import OutboxMessage
from returns_service.domain.access import Role
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_once
from tests.integration.helpers import Client, add_agent, staff_headers
from tests.integration.platform.test_outbox import drop, two_cases


@pytest.mark.parametrize("name", ["Sam\r\nBcc: all@x.example", "Sam\nX", "Sam\x00", "Sam\u2028"])
@pytest.mark.parametrize("field", ["name", "display_name"])
async def test_a_control_character_in_an_agents_name_is_refused(
    client: Client, clock: FrozenClock, name: str, field: str
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    document = {"name": "Sam", "email": "sam@store.test", "role": "agent", field: name}
    created = await client.post("/api/v1/agents", json=document, headers=admin)
    assert created.status_code == 400
    assert created.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in created.json()["errors"]] == [field]
    if field == "display_name":
        agent_id, _ = await add_agent(client, admin, "Kari")
        patched = await client.patch(
            f"/api/v1/agents/{agent_id}", json={"display_name": name}, headers=admin
        )
        assert patched.status_code == 400
        assert [e["field"] for e in patched.json()["errors"]] == ["display_name"]
        agents = (await client.get("/api/v1/agents", headers=admin)).json()
        assert [a["display_name"] for a in agents] == ["Kari"]


async def test_mail_queued_with_a_line_break_in_its_subject_is_delivered(
    client: Client, clock: FrozenClock, tmp_path: Path
) -> None:
    # adapters/mail.py writes every header value as one line when it sends
    await two_cases(client, clock)
    # what an agent named "Sam\r\nBcc: x" left in the queue before names were checked
    await OutboxMessage.update({OutboxMessage.subject: "Sam\r\nBcc: all@x.example wrote"}).where(
        OutboxMessage.id > 0
    )
    config = WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s.test")
    report = await run_once(Runtime(clock), config)
    assert (report.delivered, report.failed) == (2, 0)
    for path in drop(tmp_path):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert message["Subject"] == "Sam Bcc: all@x.example wrote"
        assert message["Bcc"] is None
