"""QuickBooks change notifications for every pipeline: the signed webhook and the change data capture catch-up read
changes into one typed event, and deliver each change once to the handlers that registered interest in its entity
(`deps.intuit.on({"Bill"}, handler)` from a part's `subscribe`)."""
