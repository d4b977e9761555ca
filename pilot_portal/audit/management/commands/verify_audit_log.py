from django.core.management.base import BaseCommand, CommandError

from pilot_portal.audit.models import AuditEntry
from pilot_portal.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exit non-zero on any edited or deleted entry."

    def handle(self, *args, **options):
        problems = audit_verify()
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"审计日志校验失败 / audit log verification failed: {len(problems)}")
        count = AuditEntry.objects.count()
        self.stdout.write(f"审计日志完整，共 {count} 条 / audit log intact: {count} entries")
