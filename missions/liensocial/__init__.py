"""The paid "heures de lien social" of APA plans: plans, sessions, month rules, statements.

Kept apart from volunteer time everywhere: a home-care service (Association.Kind.HOME_CARE)
delivers them through its professionals; the person's association creates the plan. For now a
service sees only persons of plans an association created: it does not record persons itself.
"""
