"""The rights of the people in the files: access (exports), erasure, retention, and the
register of what Liens processes, why and for how long."""
