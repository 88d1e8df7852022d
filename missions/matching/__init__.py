"""The matching engine: who could take which mission, why, and the life of a match.

- facts: what the engine reads from the database (rows, live matches, acquaintances, slots).
- candidates: the facts the rules and the score read, as columns (one row per pair).
- rules: the hard rules, one named function each; scoring and reasons: the named parts.
- selectors: suggestions for one mission, recommendations for one volunteer (database box
  prefilter, then exact rules and scores on the few candidates).
- batch: the nightly assignment of every open mission of a territory, solved exactly.
- services: the life of a match, from proposal to end, and stand-ins while someone is away.
"""
