"""Small helpers every app shares: the time zone field, service errors on
forms, the reader's membership. It imports no app of the project; every app
may import it."""
