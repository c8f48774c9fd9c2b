from django.db import models


class Role(models.TextChoices):
    """The Django groups that carry Steward's roles; created by a data migration."""

    END_USER = "End users", "End user"
    AGENT = "Agents", "Service-desk agent"
    MANAGER = "Managers", "Manager / approver"
    ADMINISTRATOR = "Administrators", "Administrator"


class TokenScope(models.TextChoices):
    REQUESTS = "requests", "Service requests and catalog"
    CHANGES = "changes", "Changes"
    KNOWLEDGE = "knowledge", "Knowledge base"
    EVIDENCE = "evidence", "Evidence"
    ADMIN = "admin", "Administration"


class TokenAccess(models.TextChoices):
    READ = "read", "Read-only"
    WRITE = "write", "Read-write"


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
