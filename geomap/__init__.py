"""geomap: map every place that a folder of news articles mentions."""

__version__ = "0.1.0"
