"""Re-encrypt every HTTP endpoint's secret under the newest key of STEWARD_SECRETS_KEY (key rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.automation.models import HttpEndpoint


class Command(BaseCommand):
    help = (
        "Re-encrypt the HTTP endpoints' secrets with the first key of STEWARD_SECRETS_KEY. Rotation: put a new "
        "key in front of the old one, run this, then drop the old key."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        # Read with any configured key (EncryptedTextField), written back under the newest one.
        for endpoint in HttpEndpoint.objects.exclude(secret="").select_for_update():
            endpoint.save(update_fields=["secret"])
            count += 1
        self.stdout.write(f"Re-encrypted {count} endpoint secret(s).")
