"""Every write to people, teams and tokens; each one records an audit event."""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.choices import TokenAccess, TokenScope
from apps.accounts.models import ApiToken, Membership, Team, User, validate_timezone
from apps.accounts.tokens import digest_key, generate_key
from apps.core.services import audit_record

PROFILE_FIELDS = ("first_name", "last_name", "email", "timezone")


def token_validate(*, name: str, scopes: Iterable[str], access: str, expires_at: dt.datetime | None) -> list[str]:
    """The scopes, de-duplicated in a stable order; raises ValidationError keyed by field."""
    errors: dict[str, str] = {}
    scope_list = sorted(set(scopes))
    unknown = [scope for scope in scope_list if scope not in TokenScope.values]
    if not name.strip():
        errors["name"] = "Give the token a name."
    if unknown:
        errors["scopes"] = f"Unknown scope: {', '.join(unknown)}. Choose from {', '.join(TokenScope.values)}."
    elif not scope_list:
        errors["scopes"] = "Choose at least one scope."
    if access not in TokenAccess.values:
        errors["access"] = f"Access must be one of {', '.join(TokenAccess.values)}."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise ValidationError(errors)
    return scope_list


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    scopes: list[str],
    access: str,
    expires_at: dt.datetime | None = None,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it with its key, which is never stored and cannot be shown again."""
    scope_list = token_validate(name=name, scopes=scopes, access=access, expires_at=expires_at)
    key = generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=key[:12],
        digest=digest_key(key),
        scopes=scope_list,
        access=access,
        expires_at=expires_at,
    )
    audit_record(
        target=token, verb="token_created", actor=actor or user, name=token.name, scopes=scope_list, access=access
    )
    return token, key


def token_create_for_login(*, user: User) -> tuple[ApiToken, str]:
    """The token a password buys at POST /api/v1/auth/token/: read-write ``requests``, expiring after
    settings.STEWARD_API_LOGIN_TOKEN_DAYS, so that a password typed into a script does not last for ever."""
    now = timezone.now()
    return token_create(
        user=user,
        name=f"api login {timezone.localdate(now):%Y-%m-%d}",
        scopes=[TokenScope.REQUESTS],
        access=TokenAccess.WRITE,
        expires_at=now + dt.timedelta(days=settings.STEWARD_API_LOGIN_TOKEN_DAYS),
    )


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke ``token`` at once; revoking a revoked token changes nothing and records nothing."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        audit_record(target=token, verb="token_revoked", actor=actor, name=token.name, prefix=token.prefix)
    token.refresh_from_db(fields=["revoked_at"])
    return token


@transaction.atomic
def profile_update(
    *, user: User, actor: User | None, first_name: str, last_name: str, email: str, timezone: str
) -> User:
    """Change the user's name, email and time zone; records which fields changed."""
    validate_timezone(timezone)
    new = {"first_name": first_name, "last_name": last_name, "email": email, "timezone": timezone}
    changed = [field for field in PROFILE_FIELDS if getattr(user, field) != new[field]]
    if not changed:
        return user
    for field in changed:
        setattr(user, field, new[field])
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changed])
    user.save(update_fields=changed)
    audit_record(target=user, verb="profile_updated", actor=actor, fields=changed)
    return user


@transaction.atomic
def team_join(*, team: Team, user: User, actor: User | None) -> Membership:
    """Add ``user`` to the joinable ``team``; joining twice keeps one membership and one audit event."""
    if not team.joinable:
        raise ValidationError({"team": f"The team {team.name} cannot be joined on request."})
    membership, created = Membership.objects.get_or_create(user=user, team=team)
    if created:
        audit_record(target=team, verb="member_joined", actor=actor, user=user.username)
    return membership
