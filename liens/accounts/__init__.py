"""Account security: who must use two-factor authentication, how long a sign-in lasts, API
tokens that expire, and the one rate limiter on every credential door (allauth's)."""
