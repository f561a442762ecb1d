"""The one exception type for mistakes a user can fix; the CLI prints it as a one-line error."""


class UserError(Exception):
    """Bad input, missing data or wrong weights: the message says what was wrong and what to do."""
