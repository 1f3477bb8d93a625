"""cash_planning in the rules service: a 30-day projection of a company's cash against its buffer, the trigger
and the computed explanation of a shortfall (domain.py). Not yet registered: no handlers here yet."""
