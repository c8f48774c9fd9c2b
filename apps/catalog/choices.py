from django.db import models


class Criticality(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ServiceStatus(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded", "Degraded"
    MAINTENANCE = "maintenance", "Under maintenance"
    RETIRED = "retired", "Retired"


class ApprovalRule(models.TextChoices):
    NONE = "none", "No approval"
    REQUESTER_MANAGER = "requester_manager", "Requester's manager"
    TEAM = "team", "A named team"


class FulfilmentMode(models.TextChoices):
    MANUAL = "manual", "Manual"
    AUTOMATED = "automated", "Automated"


class Audience(models.TextChoices):
    EVERYONE = "everyone", "Everyone"
    TEAMS = "teams", "Named teams"


class ItemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    CHOICE = "choice", "Choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"
    DATE = "date", "Date"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Yes / no"
    USER = "user", "User"
    TEAM = "team", "Team"
