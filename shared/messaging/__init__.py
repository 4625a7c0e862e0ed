"""Broker factory, retry and dead-letter policy, and the transactional outbox."""
