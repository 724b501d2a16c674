"""The managers' dashboard: the day's figures, each leading to the list behind it."""
