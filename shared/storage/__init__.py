"""PyMongo async client factory and the small storage idioms the services share."""
