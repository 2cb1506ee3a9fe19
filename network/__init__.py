"""Partnership networks: a NetworkX graph of organisations, partnerships, themes and barriers,
built from the response store. Imports ``survey``; never ``dashboard``."""

__all__: list[str] = []
