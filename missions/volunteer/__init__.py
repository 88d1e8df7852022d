"""The volunteer's side of missions: their home, the missions offered to them, their matches,
visits, reports and calendar feed, pages and API, served under /volunteer/ and /api/volunteer/
next to their own profile (the `volunteers` app, which knows nothing of missions)."""
