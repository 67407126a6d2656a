"""Turn noisy digitized points into a valid non-increasing step curve."""

from kmipd.clean._clean import clean_curve, compress_flats

__all__ = ["clean_curve", "compress_flats"]
