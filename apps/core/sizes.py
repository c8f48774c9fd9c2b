"""Sizes as people read them: the body and attachment limits are written in MB, not in bytes."""

KIB = 1024
MIB = 1024 * 1024


def size_text(size: int) -> str:
    """``10 MB``, ``1.5 MB``, ``500 KB`` or ``800 bytes`` (binary units, as the limits are set)."""
    if size >= MIB:
        return f"{size / MIB:.1f}".removesuffix(".0") + " MB"
    if size >= KIB:
        return f"{size / KIB:.1f}".removesuffix(".0") + " KB"
    return f"{size:,} bytes"


def too_big_message(limit: int) -> str:
    """What a 413 says, in the HTML page and in the API's JSON alike."""
    exact = f" ({limit:,} bytes)" if limit >= KIB else ""
    return f"The request body is too large: at most {size_text(limit)}{exact} are accepted here."
