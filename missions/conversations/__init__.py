"""A conversation per match: messages between the volunteer and the association's staff, read
state per participant, "new messages" notices through the outbox, grouped."""
