from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.choices import TokenAccess, TokenScope
from apps.accounts.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    """A token as listed: never its key, which only the create response carries."""

    # A plain string, not an enum: "status" enums of other components would collide in the schema.
    status = serializers.CharField(read_only=True, help_text="active, expired or revoked")

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "access",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "status",
        ]
        read_only_fields = fields


# allow_empty=False is not in drf-spectacular's output: minItems states it for clients (and schemathesis).
@extend_schema_field({"type": "array", "items": {"type": "string", "enum": TokenScope.values}, "minItems": 1})
class ScopesField(serializers.MultipleChoiceField):
    """Token scopes: at least one (a scope named twice counts once)."""


class ApiTokenCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    scopes = ScopesField(
        choices=TokenScope.choices,
        allow_empty=False,
        error_messages={"invalid_choice": 'Unknown scope "{input}".', "empty": "Choose at least one scope."},
    )
    access = serializers.ChoiceField(choices=TokenAccess.choices, default=TokenAccess.READ)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    def validate_expires_at(self, value: Any) -> Any:
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["scopes"] = sorted(attrs["scopes"])
        caller = self.context["request"].auth
        if isinstance(caller, ApiToken):
            # A token may only mint tokens no stronger than itself, else "requests" could mint "admin".
            extra = sorted(set(attrs["scopes"]) - set(caller.scopes or []))
            if extra:
                raise serializers.ValidationError(
                    {"scopes": f"This token cannot grant scopes it lacks: {', '.join(extra)}."}
                )
            if caller.expires_at is not None and (
                attrs["expires_at"] is None or attrs["expires_at"] > caller.expires_at
            ):
                raise serializers.ValidationError(
                    {"expires_at": "A token created with a token must expire no later than the token used."}
                )
        return attrs


class ApiTokenCreatedSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="The secret key: shown in this response only.")
    token = ApiTokenSerializer()


class TokenObtainSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
