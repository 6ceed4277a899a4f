"""kouiki (広域): inter-municipal cooperation planning."""
__version__ = "0.1.0"
