"""The five services. None imports another; they share only ``shared``."""
