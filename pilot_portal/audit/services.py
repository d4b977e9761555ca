"""Writing to the audit log and telling django-simple-history who acted."""

import hashlib
import json

from django.db import transaction
from django.utils import timezone

from pilot_portal.audit.models import GENESIS_HASH, AuditChainHead, AuditEntry


def with_actor(instance, actor):
    """Name the acting user for django-simple-history (services run without a request)."""
    instance._history_user = actor if getattr(actor, "is_authenticated", False) else None
    return instance


# What each entry's hash covers, in this order (with the previous entry's hash before it).
HASHED_FIELDS = (
    "seq", "recorded_at", "actor_username", "city_code", "action", "object_type", "object_id",
    "reason", "data",
)  # fmt: skip


def entry_digest(*, prev_hash: str, fields: dict) -> str:
    values = [
        fields[name].isoformat() if name == "recorded_at" else fields[name]
        for name in HASHED_FIELDS
    ]
    payload = json.dumps(
        values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def audit_record(
    *, actor, action: str, city=None, obj=None, reason: str = "", data: dict | None = None
) -> AuditEntry:
    """Append a decision to the chain, inside the caller's transaction."""
    data = json.loads(json.dumps(data or {}, default=str))  # as it will read back from JSON
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        fields = {
            "seq": head.seq + 1,
            # Microseconds dropped: the hash must match what every database reads back.
            "recorded_at": timezone.now().replace(microsecond=0),
            "actor_username": getattr(actor, "username", "") or "",
            "city_code": getattr(city, "code", "") or "",
            "action": action,
            "object_type": obj._meta.label_lower if obj is not None else "",
            "object_id": str(obj.pk) if obj is not None else "",
            "reason": reason,
            "data": data,
        }
        digest = entry_digest(prev_hash=head.hash, fields=fields)
        entry = AuditEntry.objects.create(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            prev_hash=head.hash,
            hash=digest,
            **fields,
        )
        head.seq, head.hash = entry.seq, digest
        head.save(update_fields=["seq", "hash"])
    return entry


def audit_verify() -> list[str]:
    """Walk the chain; return one line per problem (empty when intact)."""
    problems = []
    prev_hash, expected_seq = GENESIS_HASH, 1
    for entry in AuditEntry.objects.order_by("seq").iterator():
        if entry.seq != expected_seq:
            problems.append(
                f"条目 #{expected_seq}–#{entry.seq - 1} 缺失 / entries #{expected_seq}"
                f"–#{entry.seq - 1} are missing (deleted)"
            )
        if entry.prev_hash != prev_hash:
            problems.append(
                f"条目 #{entry.seq} 与前一条目不衔接 / entry #{entry.seq} does not follow "
                "the previous entry (an entry before it was edited or deleted)"
            )
        digest = entry_digest(
            prev_hash=entry.prev_hash, fields={name: getattr(entry, name) for name in HASHED_FIELDS}
        )
        if digest != entry.hash:
            problems.append(
                f"条目 #{entry.seq} 内容已被修改 / entry #{entry.seq} was edited after it "
                "was recorded"
            )
        prev_hash, expected_seq = entry.hash, entry.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        problems.append(
            f"日志末尾条目缺失：应至 #{head.seq}，实际至 #{last_seq} / the log should end at "
            f"#{head.seq} but ends at #{last_seq} (entries at the end were deleted)"
        )
    return problems
