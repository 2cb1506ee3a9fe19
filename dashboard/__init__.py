"""The Dash explorer and respondent web form: views only, calling ``survey`` and ``network``."""

__all__: list[str] = []
