"""The whole enterprise file as one zip (the `enterprise_file` job builds it).

    summary.pdf                 in Chinese: profile, exclusion flags, applications and their
                                steps, the documents with their SHA-256
    attachments/<kind>/<name>   every document, as uploaded
    history.json                profile history, application and change-request steps, audit
                                entries, documents (who, when, what, comment)
    manifest.json               every file above: path, size, SHA-256
    MANIFEST.sha256             every file including manifest.json, for `sha256sum -c`

Attachments are streamed into the zip and hashed as they go; a stored file whose content no
longer matches the SHA-256 recorded at upload is reported (in the summary, the manifest and
the job's result), never silently passed on.
"""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import PurePosixPath

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from enterprises.files import selectors
from enterprises.files.summary import summary_pdf
from enterprises.models import Enterprise
from enterprises.services import exclusion_reasons

CHUNK = 1024 * 1024
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# Profile fields left out of the history's changes: identity and bookkeeping.
UNTRACKED = {"id", "city", "created_at"}


@dataclass
class Attachment:
    """One document as it went into the zip."""

    entry: object  # EnterpriseDocument
    path: str = ""
    size: int = 0
    sha256: str = ""
    problem: str = ""

    @property
    def recorded_sha256(self) -> str:
        return self.entry.document.sha256


@dataclass
class Bundle:
    name: str
    content: bytes
    result: dict = field(default_factory=dict)


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _who(user) -> str | None:
    return user.username if user is not None else None


def _path(file: dict) -> str:
    return file["path"]


def _safe_name(name: str, fallback: str) -> str:
    """A file name that stays inside its folder of the zip and on one line of the checksums."""
    name = "".join("_" if c in "/\\" or ord(c) < 32 else c for c in name)
    return name.strip().lstrip(".") or fallback


def _attachment_path(entry, used: set[str]) -> str:
    name = _safe_name(entry.document.name, f"document-{entry.pk}")
    path = f"attachments/{entry.kind}/{name}"
    if path in used:  # two files of one kind with one name: tell them apart by id
        pure = PurePosixPath(name)
        path = f"attachments/{entry.kind}/{pure.stem}-{entry.pk}{pure.suffix}"
    used.add(path)
    return path


class _Writer:
    """A zip being written, remembering each file's size and SHA-256 for the manifest."""

    def __init__(self, when):
        self.buffer = BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", compression=zipfile.ZIP_DEFLATED)
        self.date_time = timezone.localtime(when).timetuple()[:6]
        self.files: list[dict] = []

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def add(self, path: str, content: bytes) -> None:
        self.zip.writestr(self._info(path), content)
        self.files.append(
            {"path": path, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        )

    def add_stream(self, path: str, source) -> tuple[int, str]:
        digest, size = hashlib.sha256(), 0
        with self.zip.open(self._info(path), "w") as target:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
        self.files.append({"path": path, "size": size, "sha256": digest.hexdigest()})
        return size, digest.hexdigest()

    def close(self) -> bytes:
        self.zip.close()
        return self.buffer.getvalue()


def _add_attachments(writer: _Writer, entries, progress) -> list[Attachment]:
    attachments, used = [], set()
    for done, entry in enumerate(entries, start=1):
        attachment = Attachment(entry=entry, path=_attachment_path(entry, used))
        try:
            with entry.document.file.open("rb") as source:
                attachment.size, attachment.sha256 = writer.add_stream(attachment.path, source)
        except OSError:
            attachment.path = ""
            attachment.problem = "存储中找不到该文件 / the stored file is missing"
        else:
            if attachment.sha256 != attachment.recorded_sha256:
                attachment.problem = (
                    "文件内容与上传时记录的 SHA-256 不符 / the stored file no longer matches "
                    "the SHA-256 recorded at upload"
                )
        attachments.append(attachment)
        progress(10 + done * 60 // max(len(entries), 1))
    return attachments


def _profile_history(enterprise: Enterprise) -> list[dict]:
    references = selectors.enterprise_references(enterprise=enterprise)
    fields = [f for f in Enterprise._meta.concrete_fields if f.name not in UNTRACKED]

    def value(record, f):
        raw = getattr(record, f.attname)
        return references[f.attname].get(raw, raw) if f.attname in references else raw

    events, previous = [], None
    for record in selectors.enterprise_profile_history(enterprise=enterprise):
        changes = {}
        for f in fields:
            new = value(record, f)
            old = value(previous, f) if previous is not None else None
            if previous is None and new in (None, ""):
                continue
            if previous is None or old != new:
                changes[f.name] = {"from": old, "to": new}
        events.append({
            "time": _time(record.history_date),
            "actor": _who(record.history_user),
            "type": HISTORY_TYPES.get(record.history_type, record.history_type),
            "comment": record.history_change_reason or "",
            "changes": changes,
        })  # fmt: skip
        previous = record
    return events


def _step(step) -> dict:
    return {
        "time": _time(step.created_at), "action": step.action, "from": step.from_status,
        "to": step.to_status, "actor": _who(step.actor), "actor_role": step.actor_role,
        "comment": step.comment,
    }  # fmt: skip


def _history(enterprise, *, applications, change_requests, attachments, audit_entries) -> dict:
    return {
        "enterprise": {
            "id": enterprise.pk,
            "uscc": enterprise.uscc,
            "name": enterprise.name,
            "city": enterprise.city.code,
        },
        "profile_history": _profile_history(enterprise),
        "applications": [
            {
                "id": a.pk,
                "batch": a.batch.name,
                "status": a.status,
                "created_at": _time(a.created_at),
                "created_by": _who(a.created_by),
                "exclusion_override_reason": a.exclusion_override_reason,
                "steps": [_step(step) for step in a.transitions.all()],
            }
            for a in applications
        ],
        "change_requests": [
            {
                "id": c.pk,
                "kind": c.kind,
                "status": c.status,
                "description": c.description,
                "created_at": _time(c.created_at),
                "created_by": _who(c.created_by),
                "steps": [_step(step) for step in c.steps.all()],
            }
            for c in change_requests
        ],
        "documents": [
            {
                "id": a.entry.pk,
                "kind": a.entry.kind,
                "name": a.entry.document.name,
                "path": a.path or None,
                "size": a.entry.document.size,
                "sha256": a.recorded_sha256,
                "uploaded_at": _time(a.entry.created_at),
                "uploaded_by": _who(a.entry.document.created_by),
                "application": a.entry.application_id,
                "note": a.entry.note,
                "problem": a.problem or None,
            }
            for a in attachments
        ],
        "audit_entries": [
            {
                "seq": e.seq,
                "time": _time(e.recorded_at),
                "actor": e.actor_username,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
                "reason": e.reason,
                "data": e.data,
                "hash": e.hash,
            }
            for e in audit_entries
        ],
    }


def _json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder).encode()


def enterprise_file_bundle(*, enterprise: Enterprise, actor, name: str, progress) -> Bundle:
    """Build the zip of `enterprise`'s whole file (see the module's docstring)."""
    generated_at = timezone.now()
    entries = list(
        selectors.enterprise_document_list(enterprise=enterprise).order_by("created_at", "pk")
    )
    applications = list(selectors.enterprise_file_applications(enterprise=enterprise))
    change_requests = list(selectors.enterprise_change_requests(enterprise=enterprise))
    progress(10)

    writer = _Writer(generated_at)
    attachments = _add_attachments(writer, entries, progress)
    audit_entries = selectors.enterprise_audit_entries(
        enterprise=enterprise,
        application_ids=[a.pk for a in applications],
        document_ids=[e.pk for e in entries],
        change_request_ids=[c.pk for c in change_requests],
    )
    history = _history(
        enterprise, applications=applications, change_requests=change_requests,
        attachments=attachments, audit_entries=audit_entries,
    )  # fmt: skip
    writer.add("history.json", _json(history))
    progress(75)

    problems = [f"{a.entry.document.name}：{a.problem}" for a in attachments if a.problem]
    writer.add(
        "summary.pdf",
        summary_pdf(
            enterprise=enterprise, exclusions=exclusion_reasons(enterprise),
            applications=applications, attachments=attachments, problems=problems,
            generated_at=generated_at, generated_by=actor,
        ),
    )  # fmt: skip
    progress(90)

    files = sorted(writer.files, key=_path)
    manifest = {
        "enterprise": history["enterprise"],
        "generated_at": _time(generated_at),
        "generated_by": _who(actor),
        "algorithm": "sha256",
        "files": files,
        "problems": problems,
    }
    manifest_bytes = _json(manifest)
    writer.add("manifest.json", manifest_bytes)
    checksums = "".join(f"{f['sha256']}  {f['path']}\n" for f in sorted(writer.files, key=_path))
    writer.add("MANIFEST.sha256", checksums.encode())
    content = writer.close()
    return Bundle(
        name=name,
        content=content,
        result={
            "enterprise": enterprise.pk,
            "files": len(writer.files),
            "attachments": sum(1 for a in attachments if a.path),
            "manifest_sha256": hashlib.sha256(manifest_bytes).hexdigest(),
            "problems": problems,
        },
    )
