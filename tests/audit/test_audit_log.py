"""The decision log is append-only and hash-chained; tampering is detected and located."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from pilot_portal.audit.models import AuditEntry, AuditLogIsAppendOnly
from pilot_portal.audit.services import audit_record, audit_verify
from pilot_portal.tenancy.models import City, Membership, Role
from pilot_portal.tenancy.services import membership_grant, membership_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(demo):
    return get_user_model().objects.get(username="shenyang-city_admin")


@pytest.fixture
def tamper():
    """Act as an intruder with superuser rights: on PostgreSQL, stop triggers firing."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")


@pytest.fixture
def three_decisions(admin_user):
    city = City.objects.get(code="shenyang")
    return [
        audit_record(actor=admin_user, action=f"test.decision{i}", city=city, data={"n": i})
        for i in range(3)
    ]


def test_the_demo_log_verifies(demo, capsys):
    call_command("verify_audit_log")

    assert "audit log intact" in capsys.readouterr().out


def test_an_edited_entry_is_detected(three_decisions, tamper):
    target = three_decisions[1]
    AuditEntry.objects.filter(pk=target.pk).update(reason="改过的理由")

    problems = audit_verify()

    assert problems == [
        f"条目 #{target.seq} 内容已被修改 / entry #{target.seq} was edited after it was recorded"
    ]
    with pytest.raises(CommandError, match="verification failed"):
        call_command("verify_audit_log")


def test_a_deleted_entry_is_detected(three_decisions, tamper):
    target = three_decisions[1]
    AuditEntry.objects.filter(pk=target.pk).delete()

    problems = audit_verify()

    assert any(f"#{target.seq}" in p and "missing" in p for p in problems)


def test_a_deleted_last_entry_is_detected(three_decisions, tamper):
    AuditEntry.objects.filter(pk=three_decisions[-1].pk).delete()

    assert any("should end at" in p for p in audit_verify())


def test_a_rewritten_chain_is_detected(three_decisions, tamper):
    # Editing an entry and recomputing its own hash still breaks the next entry's link.
    from pilot_portal.audit.services import HASHED_FIELDS, entry_digest

    target = AuditEntry.objects.get(pk=three_decisions[0].pk)
    fields = {name: getattr(target, name) for name in HASHED_FIELDS} | {"reason": "forged"}
    forged = entry_digest(prev_hash=target.prev_hash, fields=fields)
    AuditEntry.objects.filter(pk=target.pk).update(reason="forged", hash=forged)

    assert any("does not follow" in p for p in audit_verify())


def test_entries_cannot_be_changed_through_the_model(three_decisions):
    entry = three_decisions[0]
    entry.reason = "edited"

    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()


def test_a_revoked_role_names_who_and_why(admin_user):
    membership = Membership.objects.get(user__username="shenyang-expert")

    membership_revoke(membership=membership, actor=admin_user, reason="任期届满")

    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.actor_username, entry.reason, entry.city_code) == (
        "membership.revoke",
        "shenyang-city_admin",
        "任期届满",
        "shenyang",
    )
    history = membership.history.latest()
    assert history.history_user == admin_user
    assert history.is_active is False


def test_revoking_without_a_reason_changes_nothing(admin_user):
    from pilot_portal.errors import InvalidInput

    membership = Membership.objects.get(user__username="shenyang-expert")
    before = AuditEntry.objects.count()

    with pytest.raises(InvalidInput):
        membership_revoke(membership=membership, actor=admin_user, reason="  ")

    membership.refresh_from_db()
    assert membership.is_active
    assert AuditEntry.objects.count() == before


def test_a_district_of_another_city_cannot_be_granted(admin_user):
    from pilot_portal.errors import InvalidInput

    xiamen_district = City.objects.get(code="xiamen").districts.first()
    user = get_user_model().objects.create(username="newcomer")

    with pytest.raises(InvalidInput, match="another city"):
        membership_grant(
            user=user,
            role=Role.DISTRICT_OFFICER,
            city=City.objects.get(code="shenyang"),
            district=xiamen_district,
            actor=admin_user,
        )
    assert not Membership.objects.filter(user=user).exists()


def test_postgresql_itself_refuses_to_edit_an_entry(three_decisions):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=three_decisions[0].pk).update(reason="edited")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=three_decisions[0].pk).delete()
    assert audit_verify() == []
