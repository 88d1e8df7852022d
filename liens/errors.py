"""Domain errors: raised by services, shown to people as they are."""


class DomainError(Exception):
    """A rule of the domain refused an action. `message` is translated and safe to show.

    `field` names the form or serializer field at fault, when there is one, so views can put
    the message next to it (pages) or under it (API 400 bodies).
    """

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
