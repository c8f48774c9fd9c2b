"""API representations of changes; writes go through apps.changes.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.functional import cached_property
from rest_framework import serializers

from apps.catalog.models import Service
from apps.changes import conf, selectors
from apps.changes.choices import ChangeType, GateDecision, Outcome, Tier, WindowKind
from apps.changes.models import Change, ChangeApproval, Environment, StandardChangeTemplate, Window
from apps.changes.services import ChangeData
from apps.core.api.serializers import StrictSerializer

Slug = serializers.SlugRelatedField[Any]
NO_NUL = "Null characters are not allowed."


class Text(serializers.CharField):
    """A CharField that refuses NUL characters and lone surrogates (the database cannot store them)."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if "\x00" in value:
            raise serializers.ValidationError(NO_NUL)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise serializers.ValidationError("Text must be valid Unicode.") from exc
        return value


class SharedFields(serializers.Serializer):
    """Fields built and bound once per class, then shared by its instances: DRF otherwise builds, deep-copies and
    binds every field for every serializer object, which on the pipeline's POST cost more than its SQL.

    Only for serializers whose fields read nothing of the instance they serve: the fields see a context-free
    instance of the class as their parent and root (no ``partial``, no request in ``context``), while the
    serializer's own methods (``validate_<field>``, ``get_<field>``...) still run on the instance itself. Nobody
    may add or remove fields on an instance: they are the class's.
    """

    @cached_property
    def fields(self) -> Any:
        cls: Any = type(self)
        shared = cls.__dict__.get("_shared_fields")  # this class's own: a subclass binds its own
        if shared is None:
            template = cls(context={})
            shared = super(SharedFields, template).fields  # DRF's own build, bound to the template
            cls._shared_fields = shared
        return shared


def _slugs(queryset: Any, values: list[str], what: str) -> list[Any]:
    return _found({obj.slug: obj for obj in queryset.filter(slug__in=values)}, values, what)


def _found(found: dict[str, Any], values: list[str], what: str) -> list[Any]:
    missing = [value for value in values if value not in found]
    if missing:
        raise serializers.ValidationError(f"Unknown {what}: {', '.join(missing)}.")
    return [found[value] for value in dict.fromkeys(values)]


class ChangeInputSerializer(StrictSerializer):
    """Checks shared by opening and editing a change: slugs that exist, the path cap."""

    def validate_services(self, value: list[str]) -> list[Service]:
        unique = list(dict.fromkeys(value))
        found = selectors.services_by_slug(self.context["request"].user, unique)  # with what scoring and routing read
        return _found(found, unique, "service")

    def validate_environment(self, value: str) -> Environment:
        environment = selectors.environment_by_slug(value)
        return _found({value: environment} if environment else {}, [value], "environment")[0]

    def validate_paths(self, value: list[str]) -> list[str]:
        if len(value) > conf.max_paths():
            raise serializers.ValidationError(f"At most {conf.max_paths()} paths; send the first ones.")
        return value


class ChangeCreateSerializer(SharedFields, ChangeInputSerializer):
    """Opening a change. A pipeline sends the ci_* fields: the run (system, repository, workflow, environment,
    run id, attempt) is the idempotency key, and its window starts now unless planned_start is given."""

    type = serializers.ChoiceField(choices=ChangeType.choices, default=ChangeType.NORMAL)
    template = Text(max_length=100, required=False, help_text="Slug of a standard-change template.")
    title = Text(max_length=200)
    description = Text(required=False, allow_blank=True, default="", max_length=20_000)
    services = serializers.ListField(child=Text(max_length=100), max_length=20, required=False, default=list)
    environment = Text(max_length=60, help_text="Slug of the environment, e.g. production.")
    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)
    implementation_plan = Text(required=False, allow_blank=True, default="", max_length=20_000)
    rollback_plan = Text(required=False, allow_blank=True, default="", max_length=20_000)
    test_links = serializers.ListField(child=serializers.URLField(max_length=500), max_length=20, default=list)
    tests_passed = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    tests_failed = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    tests_skipped = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    commit_sha = Text(max_length=64, required=False, allow_blank=True, default="")
    ci_system = Text(max_length=40, required=False, allow_blank=True, default="")
    ci_repository = Text(max_length=200, required=False, allow_blank=True, default="")
    ci_workflow = Text(max_length=200, required=False, allow_blank=True, default="")
    ci_run_id = Text(max_length=100, required=False, allow_blank=True, default="")
    ci_run_attempt = serializers.IntegerField(min_value=1, max_value=10**6, default=1)
    ci_run_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    ci_actor = Text(max_length=150, required=False, allow_blank=True, default="", help_text="GITHUB_ACTOR etc.")
    diff_lines = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    files_changed = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    paths = serializers.ListField(child=Text(max_length=500), required=False, default=list)
    visible_to_end_users = serializers.BooleanField(default=False)
    public_title = Text(max_length=200, required=False, allow_blank=True, default="")

    def validate_template(self, value: str) -> StandardChangeTemplate:
        return _slugs(StandardChangeTemplate.objects.filter(is_active=True), [value], "template")[0]

    def to_change_data(self) -> ChangeData:
        data = dict(self.validated_data)
        data["ci_actor_login"] = data.pop("ci_actor", "")
        return ChangeData(**data)


class ChangeUpdateSerializer(ChangeInputSerializer):
    """Editing an open change: only the fields sent are written (apps.changes.services.change_update)."""

    title = Text(max_length=200, required=False)
    description = Text(required=False, allow_blank=True, max_length=20_000)
    services = serializers.ListField(child=Text(max_length=100), min_length=1, max_length=20, required=False)
    environment = Text(max_length=60, required=False, help_text="Slug of the environment, e.g. production.")
    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)
    implementation_plan = Text(required=False, allow_blank=True, max_length=20_000)
    rollback_plan = Text(required=False, allow_blank=True, max_length=20_000)
    test_links = serializers.ListField(child=serializers.URLField(max_length=500), max_length=20, required=False)
    tests_passed = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    tests_failed = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    tests_skipped = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    commit_sha = Text(max_length=64, required=False, allow_blank=True)
    diff_lines = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    files_changed = serializers.IntegerField(min_value=0, max_value=10**9, required=False, allow_null=True)
    paths = serializers.ListField(child=Text(max_length=500), required=False)
    visible_to_end_users = serializers.BooleanField(required=False)
    public_title = Text(max_length=200, required=False, allow_blank=True)


class ApprovalSerializer(serializers.ModelSerializer):
    approver: Slug = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    team: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = ChangeApproval
        fields = ["round", "team", "approver", "kind", "decision", "comment", "created_at"]
        read_only_fields = fields


class ChangeSerializer(SharedFields, serializers.ModelSerializer):
    """A change as the API shows it; its ~50 fields are built from the model once per process (SharedFields)."""

    number = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()
    services: Slug = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    environment: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    template: Slug = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    requester: Slug = serializers.SlugRelatedField(slug_field="username", read_only=True)
    ci_actor: Slug = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    attributes = serializers.JSONField(read_only=True)
    rules_fired = serializers.JSONField(read_only=True)
    checks = serializers.JSONField(read_only=True)
    paths = serializers.JSONField(read_only=True)
    test_links = serializers.JSONField(read_only=True)

    class Meta:
        model = Change
        fields = [
            "number", "url", "type", "status", "title", "description", "services", "environment", "template",
            "requester", "ci_actor", "ci_actor_login", "planned_start", "planned_end", "implementation_plan",
            "rollback_plan", "test_links", "tests_passed", "tests_failed", "tests_skipped", "commit_sha",
            "ci_system", "ci_repository", "ci_workflow", "ci_run_id", "ci_run_attempt", "ci_run_url", "diff_lines",
            "files_changed", "paths", "visible_to_end_users", "public_title", "risk_score", "tier",
            "policy_version", "attributes", "rules_fired", "checks", "approval_round", "approved_at",
            "freeze_override", "gate_go_at", "deployed_without_go", "outcome", "started_at", "finished_at",
            "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_url(self, change: Change) -> str:
        return settings.SITE_URL.rstrip("/") + change.get_absolute_url()


class GateSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=GateDecision.choices)
    reasons = serializers.ListField(child=serializers.CharField())
    tier = serializers.ChoiceField(choices=Tier.choices, allow_blank=True)
    score = serializers.IntegerField(allow_null=True)
    policy_version = serializers.IntegerField(allow_null=True, help_text="The risk policy version that scored it.")
    rules_fired = serializers.JSONField()
    change_url = serializers.CharField()


class OutcomeSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    at = serializers.DateTimeField(required=False, help_text="When it happened; now when left out.")


class DecideSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = Text(required=False, allow_blank=True, default="", max_length=5000)


class ChangeTransitionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=[("assessing", "Submit"), ("cancelled", "Cancel")])
    comment = Text(required=False, allow_blank=True, default="", max_length=5000)


class WindowSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=WindowKind.choices)
    services: Slug = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Service.objects.all(), required=False
    )
    environments: Slug = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Environment.objects.all(), required=False
    )
    title = Text(max_length=120)
    reason = Text(required=False, allow_blank=True, default="", max_length=5000)
    rrule = Text(required=False, allow_blank=True, default="", max_length=500)

    class Meta:
        model = Window
        fields = [
            "id", "kind", "title", "reason", "all_services", "services", "environments", "timezone", "starts_at",
            "ends_at", "rrule", "is_active",
        ]  # fmt: skip
        read_only_fields = ["id", "is_active"]
