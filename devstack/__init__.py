"""The local stack: real nats-server, nx-27017 and an SMTP sink, the five services, and the demo district."""
