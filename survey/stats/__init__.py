"""Statistics on plain numbers: share intervals and the one small-n rule
(:mod:`survey.stats.smalln`), non-response against the frame
(:mod:`survey.stats.nonresponse`) and weighting to the frame
(:mod:`survey.stats.weighting`).

Nothing here reads the store or knows about instruments: callers pass counts.
"""
