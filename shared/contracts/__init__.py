"""The public event contract: envelope, subjects, streams and one module per producing domain."""
