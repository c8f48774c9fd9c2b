"""The form-definition engine: request forms defined as data (see the contract's "Form definition JSON").

- ``validate_definition(definition) -> dict``: the normalised definition, or ValidationError with the reason;
- ``build_form_class(definition) -> type[Form]``: the HTML request form;
- ``clean_answers(definition, data) -> dict``: JSON answers from an HTML QueryDict or an API dict;
- ``display_answers(definition, answers) -> list[(label, text)]``.
"""

from apps.catalog.formdefs.answers import RequestForm, build_form_class, clean_answers, display_answers
from apps.catalog.formdefs.validation import validate_definition

__all__ = ["RequestForm", "build_form_class", "clean_answers", "display_answers", "validate_definition"]
