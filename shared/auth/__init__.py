"""Authentication (bearer JWTs) and the authorization vocabulary every service uses."""
