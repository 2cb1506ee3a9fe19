"""Partnership Landscape: survey instruments, responses and priority analysis.

Data flows one way: ``instruments/`` (YAML) -> ``survey`` -> ``network`` ->
``dashboard``. Nothing here imports ``network`` or ``dashboard``.
"""

from survey.errors import LandscapeError

__all__ = ["LandscapeError", "__version__"]
__version__ = "0.1.0"
