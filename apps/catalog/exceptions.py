"""Errors the catalog services raise; the catalog builder's views turn them into 409 answers."""


class StaleForm(Exception):
    """Someone published another version of the item's form since the editor was opened: nothing was written."""

    def __init__(self, current: int | None) -> None:
        self.current = current
        self.message = (
            f"Version {current} of this form was published by someone else since you opened the editor; "
            "nothing was saved. Your fields are kept below: check them against the new version and save again."
        )
        super().__init__(self.message)
