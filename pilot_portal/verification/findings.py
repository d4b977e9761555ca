"""What a check reports: a finding about one record, before it is stored on a run."""

import hashlib
import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FindingSpec:
    code: str  # stable, e.g. "uscc_check_digit" (see checks.CODES)
    severity: str  # "error" | "warning" | "info"
    enterprise_id: int | None
    message_zh: str
    message_en: str
    object_type: str = ""  # the record to fix, e.g. "enterprises.project"
    object_id: int | None = None
    details: dict = field(default_factory=dict)  # JSON-able facts behind the message

    @property
    def fingerprint(self) -> str:
        """The same finding about the same record is the same row, run after run."""
        payload = json.dumps(
            [self.code, self.enterprise_id, self.object_type, self.object_id, self.details],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()
