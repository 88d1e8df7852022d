"""Referrals that report back: partners and their private links, the public referral form, a
referral's life from receipt to first visit, and the messages back to the referrer."""
