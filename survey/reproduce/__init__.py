"""Reproducing the 2022 report: the demo store and the published-figure checks.

A use case above the store, the statistics and the coding (see the layers in
``pyproject.toml``): :mod:`survey.reproduce.demo` loads the reconstructed 2022
survey into a store; :mod:`survey.reproduce.figures` checks every published
figure against the demo files or a store. Import the modules directly: this
package imports nothing, so ``landscape demo`` does not load the statistics.
"""
