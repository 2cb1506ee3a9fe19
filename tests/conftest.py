"""Test-wide set-up. pytest puts this directory on ``sys.path`` when it loads this file,
so every test module can ``from cli_assert import no_traceback``."""
