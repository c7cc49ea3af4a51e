"""Pure rules: periods, vote counting and forum cadence, with no I/O."""


class RuleError(ValueError):
    """Input a rule cannot work with; `code` is machine-usable, the message says it in English for logs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
