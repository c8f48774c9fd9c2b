"""A form renderer for hot pages: widgets rendered by Jinja2 (autoescaped), the rest of the page by Django.

Django renders every widget, and every <option> of a <select>, through a template: on the queue's filter form
(14 widgets, the catalog items' options) Django's engine cost as much as the 50 rows. Django's own Jinja2
widget templates write the same HTML in a fraction of the time.
"""

from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.forms import renderers
from django.template.backends.jinja2 import Jinja2


class JinjaWidgets(renderers.Jinja2):
    """Django's Jinja2 form renderer, also reading templates/jinja2 (django-filter ships no Jinja2 widgets)."""

    @cached_property
    def engine(self) -> Jinja2:
        forms_dir = Path(renderers.__file__).parent / "jinja2"
        own_dir = Path(settings.BASE_DIR) / "templates" / "jinja2"
        return Jinja2({"APP_DIRS": True, "DIRS": [own_dir, forms_dir], "NAME": "jinja-widgets", "OPTIONS": {}})


JINJA_WIDGETS = JinjaWidgets()
