"""Record numbers people read and type (SR-000123, CHG-000042): a prefix and the zero-padded primary key."""


def format_number(prefix: str, pk: int) -> str:
    return f"{prefix}{pk:06d}"


def parse_number(prefix: str, number: str) -> int | None:
    """The primary key behind ``<prefix>000123`` (or ``123``); None when it is not such a number."""
    digits = number.upper().removeprefix(prefix)
    if not digits.isdigit() or len(digits) > 18:  # 18 digits always fit a bigint
        return None
    return int(digits)
