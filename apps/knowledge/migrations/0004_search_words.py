"""The vocabulary of "did you mean" (SearchWord): the words of article titles, and on PostgreSQL the pg_trgm
extension with a trigram index on them. On SQLite the extension and the index are skipped (TrigramExtension
and ``trigram_index`` do nothing there, either way): apps.knowledge.search compares words with difflib instead."""

import re
from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

WORD = re.compile(r"\w+")  # as apps.knowledge.search.title_words (a migration keeps its own copy)
BATCH = 2_000


class TrigramExtensionOnPostgres(TrigramExtension):
    """Django's TrigramExtension skips other databases going forwards but not backwards (it reads pg_extension)."""

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS knowledge_searchword_trgm ON knowledge_searchword USING GIN (word gin_trgm_ops)"
        )


def drop_trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS knowledge_searchword_trgm")


def fill(apps: Any, schema_editor: Any) -> None:
    """The words of the titles already there; later titles add theirs when indexed (search.index_articles)."""
    article = apps.get_model("knowledge", "Article")
    search_word = apps.get_model("knowledge", "SearchWord")
    words: set[str] = set()
    for title in article.objects.values_list("title", flat=True).iterator(chunk_size=BATCH):
        words.update(w[:40] for w in WORD.findall(title.lower()) if len(w) >= 3 and not w.isdigit())
    ordered = sorted(words)
    for start in range(0, len(ordered), BATCH):
        search_word.objects.bulk_create(
            [search_word(word=w) for w in ordered[start : start + BATCH]], ignore_conflicts=True
        )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_links_and_attachments")]

    operations = [
        TrigramExtensionOnPostgres(),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=40, unique=True)),
            ],
        ),
        migrations.RunPython(trigram_index, drop_trigram_index, elidable=False),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
